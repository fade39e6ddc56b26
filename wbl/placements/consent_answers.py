"""The guardian's answer to a consent request (from the e-mailed link, or a signed paper form
staff record) and the requests nobody answered in time. Consent given places the student; a
refusal or an expiry gives the seat back to the waitlist.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update

from wbl.access import require
from wbl.auth.models import User
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.i18n import LANGUAGES
from wbl.notifications.services import queue_email
from wbl.placements import policies
from wbl.placements.applications import get_application, move_application
from wbl.placements.consent import UsedLink, clean_scan
from wbl.placements.lifecycle import free_seat_and_promote, place
from wbl.placements.models import (
    Application,
    ApplicationStatus,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
)
from wbl.storage import storage


def signature(typed_name: str, *, give: bool) -> str:
    """The guardian's typed name, spaces collapsed. It signs a consent (at least three
    characters); a refusal may leave it blank."""
    typed = " ".join(typed_name.split())
    if give and len(typed) < 3:
        raise DomainError(gettext("Type your full name to sign."), field="typed_name")
    return typed


@atomic
def choose_language(consent_id: int, nonce: str, language: str) -> None:
    """The language the guardian chose on the consent page, kept for the e-mails they get
    afterwards (the training agreement). Only while the link can still be answered."""
    if language not in LANGUAGES:
        raise DomainError(gettext("Choose one of the languages offered."))
    used = rows_affected(
        db.session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.id == consent_id,
                GuardianConsent.nonce == nonce,
                GuardianConsent.status == ConsentStatus.PENDING,
            )
            .values(language=language)
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise UsedLink()
    db.session.commit()


@atomic
def answer_consent(
    consent_id: int, nonce: str, *, give: bool, typed_name: str, ip_address: str
) -> Application:
    """The guardian's answer from the link. The nonce is cleared, so the link works once."""
    consent = db.session.get(GuardianConsent, consent_id)
    if consent is None:
        raise NotFound()
    typed = signature(typed_name, give=give)
    used = rows_affected(
        db.session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.id == consent.id,
                GuardianConsent.nonce == nonce,
                GuardianConsent.status == ConsentStatus.PENDING,
            )
            .values(
                nonce=None,
                status=ConsentStatus.GIVEN if give else ConsentStatus.REFUSED,
                method=ConsentMethod.LINK,
                typed_name=typed,
                answered_at=utcnow(),
                ip_address=ip_address[:64],
            )
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise UsedLink()
    db.session.expire(consent)
    application = consent.application
    label = f"guardian {typed or consent.guardian_name}".strip()
    if give:
        place(application, actor=None, actor_label=label)
    else:
        move_application(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_REFUSED,
            actor=None,
            actor_label=label,
        )
        free_seat_and_promote(application.offering_id)
        queue_email(
            kind="consent_refused",
            to=application.student.user.email,
            template="placements/consent_refused",
            context={"offering": application.offering},
        )
    db.session.commit()
    return application


@atomic
def record_paper_consent(
    actor: User, application_id: int, *, guardian_name: str, give: bool, scan: bytes
) -> Application:
    """Staff record a signed paper form; the scan is kept through the storage service."""

    application = get_application(actor, application_id)
    require(policies.staff_sees(actor, application))
    if application.status is not ApplicationStatus.ACCEPTED or application.consent is None:
        raise DomainError("This application is not waiting for consent.")
    name = " ".join(guardian_name.split())
    if len(name) < 3:
        raise DomainError("Enter the guardian's name as signed.", field="guardian_name")
    scan_file = clean_scan(scan)
    consent = application.consent
    key = storage().save(scan_file.data, folder="consents", extension=scan_file.extension)
    used = rows_affected(
        db.session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.id == consent.id, GuardianConsent.status == ConsentStatus.PENDING
            )
            .values(
                nonce=None,
                status=ConsentStatus.GIVEN if give else ConsentStatus.REFUSED,
                method=ConsentMethod.PAPER,
                typed_name=name,
                answered_at=utcnow(),
                scan_key=key,
                recorded_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        storage().delete(key)
        raise DomainError("The guardian has already answered.")
    db.session.expire(consent)
    if give:
        place(application, actor=actor, note="paper consent recorded")
    else:
        move_application(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_REFUSED,
            actor=actor,
            note="paper form: consent refused",
        )
        free_seat_and_promote(application.offering_id)
    db.session.commit()
    return application


@atomic
def expire_overdue_consents(now: datetime) -> int:
    """Consents not answered in time release the seat (for the scheduler; idempotent: an
    expired consent is no longer pending, so a second run finds nothing)."""
    overdue = db.session.scalars(
        select(GuardianConsent).where(
            GuardianConsent.status == ConsentStatus.PENDING, GuardianConsent.due_at < now
        )
    ).all()
    expired = 0
    for consent in overdue:
        done = rows_affected(
            db.session.execute(
                update(GuardianConsent)
                .where(
                    GuardianConsent.id == consent.id,
                    GuardianConsent.status == ConsentStatus.PENDING,
                )
                .values(status=ConsentStatus.EXPIRED, nonce=None)
                .execution_options(synchronize_session=False)
            )
        )
        if done != 1:
            continue
        application = consent.application
        move_application(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_EXPIRED,
            actor=None,
            actor_label="no answer in time",
        )
        free_seat_and_promote(application.offering_id)
        expired += 1
    db.session.commit()
    return expired
