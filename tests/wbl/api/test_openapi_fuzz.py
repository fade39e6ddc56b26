"""Schemathesis over every operation of /api/v1/openapi.json, in process (WSGI), with a
token that holds every scope and data behind it: no answer is a server error, and every
answer matches what the document says (status, content type, body schema).

Bounded (``EXAMPLES`` positive and negative cases an operation, fixed seed, no shrinking)
so that it runs in seconds; a failure names the operation and the case."""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api_data import personal_token
from tests.support.builders import make_offering, make_partner, make_student, make_user
from tests.support.log_data import days_ago, make_entry, make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db

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
    placement = make_placement(make_student(), partner=partner)
    make_entry(placement, days_ago(local_today(), 1))
    token = personal_token(make_user(roles={Role.STAFF}))
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                case.headers = {**(case.headers or {}), **headers}
                response = case.call()
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except Exception as error:  # every operation's failure is reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert failures == []
