"""Training agreements for unpaid placements (the district carries the liability).

``start_agreement`` runs inside the placement's transaction (flushes, never commits).
"""

from __future__ import annotations

import secrets

from wbl.extensions import db
from wbl.placements.models import (
    AgreementAcknowledgement,
    AgreementParty,
    Placement,
    TrainingAgreement,
)


def start_agreement(placement: Placement) -> TrainingAgreement | None:
    """An unpaid placement gets a training agreement to acknowledge: the student, the
    guardian (for a minor) and the supervisor. Paid placements need none."""
    offering = placement.offering
    if offering.paid:
        return None
    student = placement.student
    parties = [(AgreementParty.STUDENT, student.user.full_name, student.user.email)]
    start = offering.start_date
    if start is None or student.age_on(start) < 18:
        parties.append((AgreementParty.GUARDIAN, student.guardian_name, student.guardian_email))
    if placement.supervisor is not None:
        supervisor = placement.supervisor.user
        parties.append((AgreementParty.SUPERVISOR, supervisor.full_name, supervisor.email))
    agreement = TrainingAgreement(
        placement=placement,
        learning_goals=offering.skills or offering.description[:500],
        acknowledgements=[
            AgreementAcknowledgement(
                party=party, name=name, email=email, nonce=secrets.token_hex(16)
            )
            for party, name, email in parties
        ],
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement
