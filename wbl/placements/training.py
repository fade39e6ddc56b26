"""Training agreements for unpaid placements (the district carries the liability).

Before an unpaid placement starts, a training agreement generated from the placement
(student, site, supervisor, dates, hours, learning goals, Portrait of a Graduate outcomes) is
acknowledged by the student, the guardian of a minor and the site supervisor, each from their
own e-mailed link, and kept as a PDF. A paid placement is employment and needs none.

The links work like the guardian-consent links (``consent.py``): an itsdangerous token with a
purpose salt names the acknowledgement and carries its nonce; acknowledging clears the nonce,
so a link works once, and a tampered or expired link changes nothing. A link is good until the
day after the placement starts (30 days when there is no start date). Staff may re-send a
party's link, which gives that party a new nonce and so retires the old link.

``start_agreement`` runs inside the placement's transaction (flushes, never commits); the
other public functions are use cases that commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import has_request_context, url_for
from flask_babel import force_locale, format_date, gettext, ngettext
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering, PartnerContact
from wbl.clock import local_to_utc, local_today, local_when
from wbl.county.settings import county
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, lock_row, rows_affected, utcnow
from wbl.i18n import DEFAULT_LANGUAGE, N_, is_english
from wbl.notifications.services import queue_email, recipient_language
from wbl.placements import policies
from wbl.placements.consent import guardian_language
from wbl.placements.models import (
    AgreementAcknowledgement,
    AgreementParty,
    Placement,
    PlacementStatus,
    TrainingAgreement,
)
from wbl.roster import queries as roster_queries
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.tokens import ExpiredLink, InvalidLink, make_token, read_token

PURPOSE = "training-agreement"
NO_START_LINK_DAYS = 30
TITLE = N_("Work-Based Learning Training Agreement")
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"

# The U.S. Department of Labor's "primary beneficiary" test (Fact Sheet #71) is what makes an
# unpaid experience lawful; the agreement states it so every party reads the same terms.
PRIMARY_BENEFICIARY = N_(
    "The student, not the business, is the primary beneficiary of this unpaid experience. "
    "It is part of the student's education and is supervised as training: the student does "
    "not displace a paid employee, is not entitled to wages for this time, and is not "
    "promised a job at the end. The school district carries the liability for the student "
    "during the placement. The site agrees to provide a safe place to learn, the supervision "
    "described here, and to tell the school promptly about any injury, absence or concern."
)

GUARDIAN = AgreementParty.GUARDIAN
PARTY_LABELS = {
    AgreementParty.STUDENT: N_("Student"),
    AgreementParty.GUARDIAN: N_("Parent or guardian"),
    AgreementParty.SUPERVISOR: N_("Site supervisor"),
}


class AlreadyAcknowledged(InvalidLink):
    message = N_("This link has already been used or is no longer needed. Nothing was changed.")


# --- creating the agreement (inside the placement's transaction) ---------------------------


def start_agreement(placement: Placement) -> TrainingAgreement | None:
    """An unpaid placement gets a training agreement to acknowledge: the student, the
    guardian (for a minor) and the supervisor. Paid placements need none.

    The PDF is stored and each party with an e-mail address is sent their own link; a party
    without one (a guardian with no address on file) gets none, and staff see them missing."""
    offering = placement.offering
    if offering.paid:
        return None
    student = placement.student
    parties = [(AgreementParty.STUDENT, student.user.full_name, student.user.email)]
    # A minor on the first day needs a guardian's acknowledgement too.
    if student.age_on(placement.start_date or local_today()) < 18:
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
    # No PDF yet: it is rendered when someone opens it, and kept once every party has
    # acknowledged. Rendering here would cost every placement of a round ~0.3 s.
    for acknowledgement in agreement.acknowledgements:
        _send_link(acknowledgement)
    db.session.flush()
    return agreement


# --- links ---------------------------------------------------------------------------------


def _link_deadline(agreement: TrainingAgreement) -> datetime | None:
    """Links stop working at the end of the day after the placement starts."""
    start = agreement.placement.start_date
    if start is None:
        return None
    return local_to_utc(start + timedelta(days=2), time(0))


def _link_max_age(agreement: TrainingAgreement) -> int:
    deadline = _link_deadline(agreement)
    if deadline is None:
        return NO_START_LINK_DAYS * 86400
    created = agreement.created_at or utcnow()
    return max(int((deadline - created).total_seconds()), 0)


def agreement_link(acknowledgement: AgreementAcknowledgement, endpoint: str = "") -> str:
    """The party's absolute link (needs a request context: it is put in an e-mail)."""
    token = make_token(PURPOSE, {"a": acknowledgement.id, "n": acknowledgement.nonce})
    return url_for(endpoint or "agreements.acknowledge", token=token, _external=True)


def read_agreement_link(token: str) -> tuple[AgreementAcknowledgement, str]:
    """The acknowledgement a link is for, and its nonce, if it can still be acknowledged.

    Raises ``InvalidLink`` (tampered), ``ExpiredLink`` or ``AlreadyAcknowledged`` (used,
    replaced by a re-sent link, or the placement was cancelled)."""
    data = read_token(PURPOSE, token, max_age=366 * 86400)
    acknowledgement_id, nonce = data.get("a"), data.get("n")
    if not isinstance(acknowledgement_id, int) or not isinstance(nonce, str):
        raise InvalidLink()
    acknowledgement = db.session.get(AgreementAcknowledgement, acknowledgement_id)
    if acknowledgement is None:
        raise InvalidLink()
    agreement = acknowledgement.agreement
    # Checked again with the agreement's own limit: until the day after the start.
    read_token(PURPOSE, token, max_age=_link_max_age(agreement))
    deadline = _link_deadline(agreement)
    if deadline is not None and utcnow() >= deadline:
        raise ExpiredLink()
    if (
        acknowledgement.acknowledged_at is not None
        or acknowledgement.nonce != nonce
        or agreement.placement.status is PlacementStatus.CANCELLED
    ):
        raise AlreadyAcknowledged()
    return acknowledgement, nonce


def _guardian_language(placement: Placement) -> str:
    """The guardian's language: chosen on the consent page, else the roster's."""
    consent = placement.application.consent
    if consent is not None and consent.guardian_email == placement.student.guardian_email:
        return guardian_language(consent)
    return roster_queries.guardian_language(placement.student_id, placement.student.guardian_email)


def _send_link(acknowledgement: AgreementAcknowledgement) -> None:
    """One e-mail with the party's own link (no address, no e-mail). Outside a request (the
    demo load, a CLI command) the link cannot be built: the e-mail says staff will send it."""
    if not acknowledgement.email:
        return
    agreement = acknowledgement.agreement
    placement = agreement.placement
    offering, student = placement.offering, placement.student
    guardian = acknowledgement.party is GUARDIAN
    language = recipient_language(
        acknowledgement.email, _guardian_language(placement) if guardian else None
    )
    with force_locale(language):  # the dates as the e-mail's reader writes them
        when = _dates(placement.start_date, placement.end_date)
    link = agreement_link(acknowledgement) if has_request_context() else ""
    queue_email(
        kind="training_agreement",
        to=acknowledgement.email,
        language=language,
        template="placements/training_agreement",
        context={
            "name": acknowledgement.name,
            "party": PARTY_LABELS[acknowledgement.party],
            "student": student,
            "offering": offering,
            "when": when,
            "link": link,
        },
    )


# --- what the agreement says (the page and the PDF read the same lines) --------------------


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    lines: list[str]


def _dates(start: date | None, end: date | None) -> str:
    if start is None:
        return gettext("Dates to be set")
    if not is_english():
        if end is None or end == start:
            return format_date(start, "medium")
        return gettext(
            "%(start)s to %(end)s",
            start=format_date(start, "medium"),
            end=format_date(end, "medium"),
        )
    first = f"{start:%b} {start.day}, {start.year}"
    if end is None or end == start:
        return first
    return f"{first} to {end:%b} {end.day}, {end.year}"


def _address(placement: Placement) -> str:
    offering, partner = placement.offering, placement.offering.partner
    if offering.is_virtual:
        return gettext("Online")
    street = offering.location or partner.street_address
    return ", ".join(part for part in (street, partner.city, partner.zip) if part) or gettext(
        "Not given"
    )


def acknowledgement_line(acknowledgement: AgreementAcknowledgement) -> str:
    if acknowledgement.acknowledged_at is None:
        return gettext("Not yet acknowledged")
    return gettext(
        "Acknowledged by %(name)s on %(when)s from the e-mailed link",
        name=acknowledgement.typed_name,
        when=local_when(acknowledgement.acknowledged_at),
    )


def agreement_sections(agreement: TrainingAgreement) -> list[Section]:
    """The agreement's content. Never the student's date of birth: the agreement is shared
    with the site, which has no need for it."""
    placement = agreement.placement
    student, offering = placement.student, placement.offering
    contact = placement.supervisor
    if contact is None:
        supervisor = [gettext("To be named by %(partner)s", partner=offering.partner.name)]
    else:
        supervisor = [gettext("Name: %(name)s", name=contact.user.full_name)]
        supervisor += (
            [gettext("Title: %(title)s", title=contact.job_title)] if contact.job_title else []
        )
        supervisor += [gettext("Phone: %(phone)s", phone=contact.phone)] if contact.phone else []
    hours = placement.expected_hours
    goals = [line.strip() for line in agreement.learning_goals.splitlines() if line.strip()]
    outcomes = [outcome.name for outcome in offering.outcomes]
    to_agree = gettext("To be agreed with the supervisor")
    return [
        Section(
            gettext("Student"),
            [
                gettext("Name: %(name)s", name=student.user.full_name),
                gettext("School: %(school)s", school=student.school.name),
                gettext("Grade: %(grade)s", grade=student.grade),
            ],
        ),
        Section(
            gettext("Work site"),
            [
                gettext("Partner: %(partner)s", partner=offering.partner.name),
                gettext("Address: %(address)s", address=_address(placement)),
            ]
            + (
                [gettext("Phone: %(phone)s", phone=offering.partner.phone)]
                if offering.partner.phone
                else []
            ),
        ),
        Section(gettext("Site supervisor"), supervisor),
        Section(
            gettext("The placement"),
            [
                gettext("Opportunity: %(title)s", title=offering.title),
                gettext("Dates: %(dates)s", dates=_dates(placement.start_date, placement.end_date)),
                gettext("Schedule: %(schedule)s", schedule=offering.schedule or to_agree),
                gettext(
                    "Expected hours: %(hours)s",
                    hours=ngettext("About %(num)s hour", "About %(num)s hours", hours)
                    if hours
                    else gettext("Not set"),
                ),
                gettext("Pay: Unpaid"),
            ],
        ),
        Section(gettext("Learning goals"), goals or [to_agree]),
        Section(
            gettext("Portrait of a Graduate outcomes"),
            outcomes or [gettext("None named for this opportunity")],
        ),
        Section(gettext("An unpaid training experience"), [gettext(PRIMARY_BENEFICIARY)]),
        Section(
            gettext("Acknowledgements"),
            [
                gettext(
                    "%(party)s: %(name)s. %(acknowledgement)s",
                    party=gettext(PARTY_LABELS[a.party]),
                    name=a.name or gettext("name not on file"),
                    acknowledgement=acknowledgement_line(a),
                )
                for a in agreement.acknowledgements
            ],
        ),
    ]


def render_pdf(agreement: TrainingAgreement, *, compress: bool = True) -> bytes:
    """The agreement as a Letter-size PDF, set in the DejaVu Sans shipped in
    ``wbl/static/fonts`` (any name or accent prints; the core PDF fonts are Latin-1 only)."""
    county_name = county().name
    from fpdf import FPDF  # fpdf2 takes a second to import: only the PDF needs it

    pdf = FPDF(format="Letter")
    pdf.set_compression(compress)
    title = gettext(TITLE)
    pdf.set_title(title)
    pdf.set_creator(county_name or "WBL")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5, county_name, new_x="LMARGIN", new_y="NEXT", align="L")
    for section in agreement_sections(agreement):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 6, section.heading, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("DejaVu", "", 10)
        for line in section.lines:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        0,
        4,
        gettext(
            "Agreement %(agreement)s for placement %(placement)s, generated %(when)s.",
            agreement=agreement.id,
            placement=agreement.placement_id,
            when=local_when(utcnow()),
        ),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    return bytes(pdf.output())


def _store_new_pdf(agreement: TrainingAgreement) -> str | None:
    """Store a fresh PDF under a new key; returns the old key to delete after the commit."""
    old = agreement.pdf_key
    with force_locale(DEFAULT_LANGUAGE):  # the kept record is in the county's language
        data = render_pdf(agreement)
    agreement.pdf_key = storage().save(data, folder="agreements", extension="pdf")
    return old


def agreement_pdf(agreement: TrainingAgreement) -> bytes:
    """The kept PDF of a completed agreement; an agreement still being acknowledged is
    rendered afresh (it changes with each acknowledgement). The kept PDF is in the county's
    language; a reader in another language gets the same agreement rendered in theirs."""
    if agreement.pdf_key and is_english():
        return storage().read(agreement.pdf_key)
    return render_pdf(agreement)


# --- reading -------------------------------------------------------------------------------


def _agreement_by(*conditions: ColumnElement[bool]) -> Select[TrainingAgreement]:
    return (
        select(TrainingAgreement)
        .where(*conditions)
        .options(
            selectinload(TrainingAgreement.acknowledgements),
            selectinload(TrainingAgreement.placement)
            .selectinload(Placement.student)
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school)),
            selectinload(TrainingAgreement.placement)
            .selectinload(Placement.offering)
            .options(selectinload(Offering.partner), selectinload(Offering.outcomes)),
            selectinload(TrainingAgreement.placement)
            .selectinload(Placement.supervisor)
            .selectinload(PartnerContact.user),
        )
    )


def agreement_for_link(acknowledgement: AgreementAcknowledgement) -> TrainingAgreement:
    found = db.session.scalar(_agreement_by(TrainingAgreement.id == acknowledgement.agreement_id))
    if found is None:
        raise InvalidLink()
    return found


def get_agreement(actor: User, placement_id: int) -> TrainingAgreement:
    """A placement's agreement for the people who may see the placement: staff in scope, the
    student, teachers of the student's school and the partner's contacts. Anything else, or
    a placement without an agreement (paid), is not found."""
    agreement = db.session.scalar(_agreement_by(TrainingAgreement.placement_id == placement_id))
    if agreement is None:
        raise NotFound()
    if not policies.sees(actor, agreement.placement.application):
        raise NotFound()
    return agreement


# --- use cases -----------------------------------------------------------------------------


@atomic
def acknowledge(
    acknowledgement_id: int, nonce: str, *, typed_name: str, agreed: bool, ip_address: str
) -> AgreementAcknowledgement:
    """A party acknowledges from their link: the typed name signs, the box must be ticked.
    The nonce is cleared (the link works once); after the last party the agreement is
    complete, and its PDF (with every acknowledgement) is kept under a new key."""
    acknowledgement = db.session.get(AgreementAcknowledgement, acknowledgement_id)
    if acknowledgement is None:
        raise NotFound()
    typed = " ".join(typed_name.split())
    if len(typed) < 3:
        raise DomainError(gettext("Type your full name to sign."), field="typed_name")
    if not agreed:
        raise DomainError(gettext("Tick this box to acknowledge the agreement."), field="agree")
    # Both parties acknowledging at once: the second sees the first's answer and completes it.
    agreement = lock_row(TrainingAgreement, acknowledgement.agreement_id)
    if agreement.placement.status is PlacementStatus.CANCELLED:
        raise AlreadyAcknowledged()
    now = utcnow()
    used = rows_affected(
        db.session.execute(
            update(AgreementAcknowledgement)
            .where(
                AgreementAcknowledgement.id == acknowledgement.id,
                AgreementAcknowledgement.nonce == nonce,
                AgreementAcknowledgement.acknowledged_at.is_(None),
            )
            .values(nonce=None, typed_name=typed, acknowledged_at=now, ip_address=ip_address[:64])
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise AlreadyAcknowledged()
    pending = db.session.scalar(
        select(func.count(AgreementAcknowledgement.id)).where(
            AgreementAcknowledgement.agreement_id == agreement.id,
            AgreementAcknowledgement.acknowledged_at.is_(None),
        )
    )
    if pending == 0 and agreement.completed_at is None:
        agreement.completed_at = now
    for each in agreement.acknowledgements:
        db.session.expire(each)
    # The signed version is the one kept; until then the PDF is rendered on request.
    old_key = agreement.pdf_key
    agreement.pdf_key = None
    if agreement.completed_at is not None:
        _store_new_pdf(agreement)
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    return acknowledgement


def _current_contact(placement: Placement, party: AgreementParty) -> tuple[str, str]:
    if party is AgreementParty.STUDENT:
        return placement.student.user.full_name, placement.student.user.email
    if party is AgreementParty.GUARDIAN:
        return placement.student.guardian_name, placement.student.guardian_email
    if placement.supervisor is None:
        return "", ""
    return placement.supervisor.user.full_name, placement.supervisor.user.email


@atomic
def resend_link(actor: User, placement_id: int, party: AgreementParty) -> AgreementAcknowledgement:
    """Staff send a party a new link (a lost e-mail, or an address added since). The name
    and address are read again from the records; the new nonce retires the old link.
    Needs a request context: the link goes in the e-mail."""
    agreement = get_agreement(actor, placement_id)
    if not policies.staff_sees(actor, agreement.placement.application):
        raise Forbidden()
    acknowledgement = next((a for a in agreement.acknowledgements if a.party is party), None)
    if acknowledgement is None:
        raise NotFound()
    if acknowledgement.acknowledged_at is not None:
        raise DomainError(f"The {PARTY_LABELS[party].lower()} has already acknowledged.")
    if agreement.placement.status is PlacementStatus.CANCELLED:
        raise DomainError("The placement was cancelled; no agreement is needed.")
    name, email = _current_contact(agreement.placement, party)
    if not email:
        raise DomainError(
            f"There is no e-mail address for the {PARTY_LABELS[party].lower()}: "
            "add it to their record first."
        )
    changed = rows_affected(
        db.session.execute(
            update(AgreementAcknowledgement)
            .where(
                AgreementAcknowledgement.id == acknowledgement.id,
                AgreementAcknowledgement.acknowledged_at.is_(None),
            )
            .values(nonce=secrets.token_hex(16), name=name or acknowledgement.name, email=email)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise DomainError(f"The {PARTY_LABELS[party].lower()} has already acknowledged.")
    db.session.expire(acknowledgement)
    _send_link(acknowledgement)
    db.session.commit()
    return acknowledgement
