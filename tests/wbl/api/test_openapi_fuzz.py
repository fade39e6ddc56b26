"""Schemathesis over every operation of /api/v1/openapi.json, in process (WSGI), with a
token of an account that may do the operation (staff read; a student logs hours; the
placement's supervisor decides them and proposes offerings) and data behind it: no answer is
a server error, and every answer matches what the document says (status, content type, body
schema). Half of the cases name the fixture's own placement, entry, student and partner
(the other half the generated ids, mostly not found), so writes reach the services' rules.

Bounded (``EXAMPLES`` positive and negative cases an operation, fixed seed, no shrinking)
so that it runs in seconds; a failure names the operation and the case."""

from __future__ import annotations

from datetime import timedelta

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api_data import personal_token
from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_student,
    make_user,
)
from tests.support.log_data import days_ago, make_entry, make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.hours.models import EntryStatus

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_keeps_to_the_document(app: Flask) -> None:
    partner = make_partner()
    for _ in range(3):
        make_offering(partner=partner)
    student = make_student()
    today = local_today()
    placement = make_placement(
        student, partner=partner, start=days_ago(today, 30), end=today + timedelta(days=30)
    )
    make_entry(placement, days_ago(today, 1))
    entries = [
        make_entry(placement, days_ago(today, 2), status=EntryStatus.PENDING) for _ in range(3)
    ]
    staff = personal_token(make_user(roles={Role.STAFF}))
    supervisor = personal_token(make_employer(partner=partner))
    tokens = {
        "hours:write": personal_token(student.user, ["hours:write"]),
        "offerings:write": supervisor,
    }
    ours = {
        "placement_id": placement.id,
        "entry_id": entries[0].id,
        "student_id": student.id,
        "offering_id": partner.offerings[0].id if partner.offerings else 1,
        "partner_id": partner.id,
    }
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    failures = []
    for operation in operations:
        [scope] = operation.definition.raw["security"][0]["bearerAuth"]
        token = tokens.get(scope, staff)
        ids = dict(ours)
        if operation.path.endswith(("/confirm", "/reject")):
            token = supervisor
            ids["entry_id"] = entries[0 if operation.path.endswith("/confirm") else 1].id
        headers = {"Authorization": f"Bearer {token}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), ours_now=st.booleans())
            def call(case: schemathesis.Case, ours_now: bool) -> None:
                case.headers = {**(case.headers or {}), **headers}  # noqa: B023 - run here
                if ours_now and isinstance(case.path_parameters, dict):
                    for name in case.path_parameters:
                        case.path_parameters[name] = ids.get(name, case.path_parameters[name])  # noqa: B023
                if ours_now and isinstance(case.body, dict) and "partner_id" in case.body:
                    case.body["partner_id"] = partner.id
                response = case.call()
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except Exception as error:  # every operation's failure is reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert failures == []
