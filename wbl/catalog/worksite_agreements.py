"""Worksite agreements signed in the app (issue 21; docs/safety.md, "Worksite agreements").

Staff keep one county-wide template (partners serve the whole county, so the agreement is the
county's, not a district's). Sending an agreement fills the template's placeholders and keeps
that text on the agreement, with the template's version; the signatory (a partner contact, or
a name and address staff type) is e-mailed a signed single-use link, as the training
agreement's parties are (``wbl/placements/training.py``): an itsdangerous token with a purpose
salt carries the agreement's id and nonce; signing or withdrawing clears the nonce, so a
tampered, expired, used or withdrawn link changes nothing.

Signing is a compare-and-set ``sent → signed`` on the row (the nonce in the condition too), so
of two submits only one signs; in the same transaction the partner's
``worksite_agreement_date`` / ``_expiry`` become the agreement's start and end dates, which
every compliance rule reads (``Partner.compliance_problems``, the publish rule, the search, the
compliance list), and the signed PDF (with the signature block) is stored.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import has_request_context, url_for
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User, normalize_email
from wbl.catalog import rules
from wbl.catalog.models import Partner, PartnerContact
from wbl.catalog.worksite_models import (
    WorksiteAgreement,
    WorksiteAgreementStatus,
    WorksiteAgreementTemplate,
)
from wbl.clock import local_today, local_when
from wbl.county.settings import county
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, rows_affected, utcnow
from wbl.i18n import DEFAULT_LANGUAGE, N_
from wbl.notifications.services import queue_email, recipient_language
from wbl.scopes import acts_for, is_county_wide, is_staff, partner_ids_of
from wbl.storage import storage
from wbl.tokens import InvalidLink, make_token, read_token

SENT = WorksiteAgreementStatus.SENT
SIGNED = WorksiteAgreementStatus.SIGNED
WITHDRAWN = WorksiteAgreementStatus.WITHDRAWN

PURPOSE = "worksite-agreement"
LINK_DAYS = 30  # a link is good for 30 days; staff re-send after that
MAX_YEARS = 3  # an agreement runs at most three years: the county reviews its partners that often
RENEWAL_DAYS = 60  # a signed agreement ending within 60 days is offered a renewal
TITLE_LENGTH = 200
BODY_LENGTH = 20_000
MIN_BODY = 20
NAME_LENGTH = 120
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"

PLACEHOLDERS = ("partner_name", "start_date", "end_date", "county_name", "signatory_name")

DEFAULT_TITLE = "Worksite Agreement"
DEFAULT_BODY = """\
This agreement is between {county_name} (the county office of education) and {partner_name} \
(the worksite), from {start_date} to {end_date}.

The worksite agrees to host students of the county's work-based learning program for job \
shadows, projects and internships; to provide a safe place to learn and the supervision each \
placement describes; to follow the law on the employment of minors; and to tell the county \
office at once of any injury, absence or concern.

The county office agrees to prepare students before they arrive, to name a staff contact for \
each placement, and to carry the liability for students in unpaid placements.

Either party may end this agreement with 30 days' written notice. Placements under way when it \
ends are completed under its terms.
"""


class AlreadySigned(InvalidLink):
    message = N_("This agreement has already been signed with this link. Nothing was changed.")


class Withdrawn(InvalidLink):
    message = N_(
        "The county office withdrew this agreement, so it can no longer be signed. "
        "Nothing was changed."
    )


# --- the template --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateText:
    version: int | None  # None: nothing saved yet, the built-in text stands in
    title: str
    body: str


def current_template() -> TemplateText:
    found = db.session.scalar(
        select(WorksiteAgreementTemplate).order_by(WorksiteAgreementTemplate.version.desc())
    )
    if found is None:
        return TemplateText(None, DEFAULT_TITLE, DEFAULT_BODY)
    return TemplateText(found.version, found.title, found.body)


def template_versions() -> list[WorksiteAgreementTemplate]:
    return list(
        db.session.scalars(
            select(WorksiteAgreementTemplate).order_by(WorksiteAgreementTemplate.version.desc())
        )
    )


def placeholder_problem(text: str) -> str | None:
    """Why a text's placeholders cannot be filled (None: they can). Only the named
    placeholders, written plainly (``{partner_name}``); a literal brace is written twice."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return "A { or } has no partner: write placeholders as {partner_name}, a brace as {{ or }}."
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            return f"Unknown placeholder {{{name}}}: use only {known}."
    return None


def template_problems(title: str, body: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len(title) < 3:
        problems["title"] = "Give the agreement a title."
    elif len(title) > TITLE_LENGTH:
        problems["title"] = f"At most {TITLE_LENGTH} characters."
    elif problem := placeholder_problem(title):
        problems["title"] = problem
    if len(body) < MIN_BODY:
        problems["body"] = f"Write the agreement's text (at least {MIN_BODY} characters)."
    elif len(body) > BODY_LENGTH:
        problems["body"] = f"At most {BODY_LENGTH:,} characters."
    elif problem := placeholder_problem(body):
        problems["body"] = problem
    return problems


@atomic
def save_template(
    actor: User, *, title: str, body: str, based_on: int | None
) -> WorksiteAgreementTemplate:
    """A new version of the county's template. County-wide staff keep it (it is the county's
    agreement with every partner); a district's staff may read it but not change it.
    ``based_on`` is the version the editor opened: if someone saved since, nothing is saved."""
    if not is_county_wide(actor):
        raise Forbidden()
    title, body = title.strip(), body.strip().replace("\r\n", "\n")
    if problems := template_problems(title, body):
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    latest = db.session.scalar(select(func.max(WorksiteAgreementTemplate.version)))
    if latest != based_on:
        raise DomainError(
            "Someone saved the template after you opened it. Reload the page to see their "
            "version, then make your change again."
        )
    template = WorksiteAgreementTemplate(
        version=(latest or 0) + 1, title=title, body=body, created_by_id=actor.id
    )
    db.session.add(template)
    try:
        db.session.flush()
    except IntegrityError:
        raise DomainError(
            "Someone saved the template at the same moment. Reload the page and try again."
        ) from None
    db.session.commit()
    return template


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def fill(text: str, values: dict[str, str]) -> str:
    """The template's text with its placeholders filled (checked when it was saved)."""
    return text.format_map(values)


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendInput:
    start_date: date | None
    end_date: date | None
    contact_id: int | None = None  # a contact of the partner signs; else name and e-mail
    name: str = ""
    email: str = ""


def latest_end(start: date) -> date:
    """The last end date an agreement starting on ``start`` may have (three years)."""
    try:
        return start.replace(year=start.year + MAX_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + MAX_YEARS, day=28)


def date_problems(start: date | None, end: date | None, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if start is None:
        problems["start_date"] = "Give the day the agreement starts."
    elif start < today - timedelta(days=1):
        problems["start_date"] = "The agreement cannot start more than a day in the past."
    if end is None:
        problems["end_date"] = "Give the day the agreement ends."
    elif start is not None and end <= start:
        problems["end_date"] = "The agreement must end after it starts."
    elif start is not None and end > latest_end(start):
        problems["end_date"] = f"An agreement runs at most {MAX_YEARS} years."
    return problems


def _pending(partner_id: int) -> WorksiteAgreement | None:
    return db.session.scalar(
        select(WorksiteAgreement).where(
            WorksiteAgreement.partner_id == partner_id, WorksiteAgreement.status == SENT
        )
    )


def _signatory(partner: Partner, data: SendInput) -> tuple[str, str, int | None]:
    if data.contact_id is not None:
        contact = db.session.get(PartnerContact, data.contact_id)
        if contact is None or contact.partner_id != partner.id:
            raise DomainError("Choose one of this partner's contacts.", field="contact_id")
        return contact.user.full_name, contact.user.email, contact.id
    name = " ".join(data.name.split())
    if len(name) < 2:
        raise DomainError("Give the name of the person who signs.", field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(f"At most {NAME_LENGTH} characters.", field="name")
    if not data.email.strip():
        raise DomainError("Give the e-mail address the link goes to.", field="email")
    if problem := rules.email_problem(data.email):
        raise DomainError(problem, field="email")
    return name, normalize_email(data.email), None


def _create_and_send(
    actor: User,
    partner: Partner,
    signatory: tuple[str, str, int | None],
    start: date,
    end: date,
) -> WorksiteAgreement:
    if _pending(partner.id) is not None:
        raise DomainError(
            "An agreement sent to this partner is waiting to be signed: withdraw it first."
        )
    name, email, contact_id = signatory
    template = current_template()
    values = {
        "partner_name": partner.name,
        "start_date": _long_date(start),
        "end_date": _long_date(end),
        "county_name": county().display_name,
        "signatory_name": name,
    }
    agreement = WorksiteAgreement(
        partner=partner,
        template_version=template.version,
        title=fill(template.title, values),
        body=fill(template.body, values),
        start_date=start,
        end_date=end,
        signatory_name=name,
        signatory_email=email,
        signatory_contact_id=contact_id,
        status=SENT,
        nonce=secrets.token_hex(16),
        sent_by_id=actor.id,
    )
    db.session.add(agreement)
    db.session.flush()
    _send_link(agreement)
    return agreement


@atomic
def send_agreement(actor: User, partner_id: int, data: SendInput) -> WorksiteAgreement:
    """Staff send a partner the agreement to sign. One agreement waits for a signature at a
    time (the partner's row is locked while this is checked). Needs a request context: the
    link goes in the e-mail."""
    if not is_staff(actor):
        raise Forbidden()
    partner = lock_row(Partner, partner_id)
    start, end = data.start_date, data.end_date
    problems = date_problems(start, end, local_today())
    if problems or start is None or end is None:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    signatory = _signatory(partner, data)
    agreement = _create_and_send(actor, partner, signatory, start, end)
    db.session.commit()
    return agreement


def last_signed(partner_id: int) -> WorksiteAgreement | None:
    return db.session.scalar(
        select(WorksiteAgreement)
        .where(WorksiteAgreement.partner_id == partner_id, WorksiteAgreement.status == SIGNED)
        .order_by(WorksiteAgreement.end_date.desc(), WorksiteAgreement.id.desc())
    )


@atomic
def send_renewal(actor: User, partner_id: int) -> WorksiteAgreement:
    """One click on the compliance list: the same signatory (the contact's current name and
    address, if they are still a contact), starting the day after the last agreement ends
    (today if it has ended) and running as long as it did, on the current template."""
    if not is_staff(actor):
        raise Forbidden()
    partner = lock_row(Partner, partner_id)
    previous = last_signed(partner.id)
    if previous is None:
        raise DomainError("This partner has no signed agreement to renew: send one instead.")
    today = local_today()
    start = max(previous.end_date + timedelta(days=1), today)
    end = min(start + (previous.end_date - previous.start_date), latest_end(start))
    contact = (
        db.session.get(PartnerContact, previous.signatory_contact_id)
        if previous.signatory_contact_id is not None
        else None
    )
    if contact is not None and contact.partner_id == partner.id:
        signatory = (contact.user.full_name, contact.user.email, contact.id)
    else:
        signatory = (previous.signatory_name, previous.signatory_email, None)
    agreement = _create_and_send(actor, partner, signatory, start, end)
    db.session.commit()
    return agreement


@atomic
def withdraw(actor: User, agreement_id: int) -> WorksiteAgreement:
    """Staff withdraw a sent agreement before it is signed; its link then says so."""
    if not is_staff(actor):
        raise Forbidden()
    agreement = db.session.get(WorksiteAgreement, agreement_id)
    if agreement is None:
        raise NotFound()
    if not move_status(
        agreement,
        SENT,
        status=WITHDRAWN,
        nonce=None,
        withdrawn_at=utcnow(),
        withdrawn_by_id=actor.id,
    ):
        raise DomainError("Only an agreement that is waiting to be signed can be withdrawn.")
    db.session.commit()
    return agreement


# --- the link ------------------------------------------------------------------------------


def signing_link(agreement: WorksiteAgreement, endpoint: str = "worksite.sign") -> str:
    token = make_token(PURPOSE, {"w": agreement.id, "n": agreement.nonce})
    return url_for(endpoint, token=token, _external=True)


def read_link(token: str) -> tuple[WorksiteAgreement, str]:
    """The agreement a link is for and its nonce, if it can still be signed. Raises
    ``InvalidLink`` (tampered), ``ExpiredLink`` (older than 30 days), ``Withdrawn`` or
    ``AlreadySigned`` (signed, or replaced by a newer link)."""
    data = read_token(PURPOSE, token, max_age=LINK_DAYS * 86400)
    agreement_id, nonce = data.get("w"), data.get("n")
    if not isinstance(agreement_id, int) or not isinstance(nonce, str):
        raise InvalidLink()
    agreement = db.session.scalar(
        select(WorksiteAgreement)
        .where(WorksiteAgreement.id == agreement_id)
        .options(selectinload(WorksiteAgreement.partner))
    )
    if agreement is None:
        raise InvalidLink()
    if agreement.status is WITHDRAWN:
        raise Withdrawn()
    if agreement.status is not SENT or agreement.nonce != nonce:
        raise AlreadySigned()
    return agreement, nonce


def _dates(agreement: WorksiteAgreement) -> str:
    return gettext(
        "%(start)s to %(end)s",
        start=format_date(agreement.start_date, "long"),
        end=format_date(agreement.end_date, "long"),
    )


def _send_link(agreement: WorksiteAgreement) -> None:
    """The signatory's e-mail, in their language (their account's, if they have one). Outside
    a request (a CLI command) no link can be built: the e-mail says staff will send it."""
    language = recipient_language(agreement.signatory_email)
    with force_locale(language):
        when = _dates(agreement)
    queue_email(
        kind="worksite_agreement",
        to=agreement.signatory_email,
        language=language,
        template="catalog/worksite_agreement",
        context={
            "name": agreement.signatory_name,
            "partner": agreement.partner.name,
            "title": agreement.title,
            "when": when,
            "link": signing_link(agreement) if has_request_context() else "",
            "days": LINK_DAYS,
        },
    )


# --- signing -------------------------------------------------------------------------------


def same_name(typed: str, on_file: str) -> bool:
    """Names match whatever their case and spacing ("ana  lópez" is "Ana López")."""
    return " ".join(typed.split()).casefold() == " ".join(on_file.split()).casefold()


def _set_partner_dates(partner: Partner, agreement: WorksiteAgreement) -> None:
    """The partner's agreement dates become the signed agreement's. A renewal that starts
    while the agreement on file is in force (or the day after it ends) continues it: the
    start on file stays, so the partner does not stop being compliant until the renewal
    begins (the compliance rule refuses an agreement that has not started yet)."""
    start, end = agreement.start_date, agreement.end_date
    on_file, until = partner.worksite_agreement_date, partner.worksite_agreement_expiry
    continues = (
        on_file is not None
        and on_file <= start
        and (until is None or until >= start - timedelta(days=1))
    )
    partner.worksite_agreement_date = on_file if continues else start
    partner.worksite_agreement_expiry = end


@atomic
def sign(
    agreement_id: int,
    nonce: str,
    *,
    typed_name: str,
    agreed: bool,
    different_name: bool,
    ip_address: str,
) -> WorksiteAgreement:
    """The signatory signs from their link. The typed name must be the name the agreement was
    sent to, or the signatory confirms they sign under another (a colleague with authority,
    a changed name): the agreement then records that it differs, for staff to see. The
    compare-and-set on status and nonce lets one of two submits sign; the partner's dates
    and the signed PDF go in the same transaction."""
    agreement = db.session.get(WorksiteAgreement, agreement_id)
    if agreement is None:
        raise NotFound()
    typed = " ".join(typed_name.split())
    if len(typed) < 3:
        raise DomainError(gettext("Type your full name to sign."), field="typed_name")
    if len(typed) > NAME_LENGTH:
        raise DomainError(gettext("At most 120 characters."), field="typed_name")
    differs = not same_name(typed, agreement.signatory_name)
    if differs and not different_name:
        raise DomainError(
            gettext(
                "This agreement was sent to %(name)s. Type that name, or tick the box to sign "
                "under the name you typed.",
                name=agreement.signatory_name,
            ),
            field="different_name",
        )
    if not agreed:
        raise DomainError(gettext("Tick this box to sign the agreement."), field="agree")
    now = utcnow()
    signed = rows_affected(
        db.session.execute(
            update(WorksiteAgreement)
            .where(
                WorksiteAgreement.id == agreement.id,
                WorksiteAgreement.status == SENT,
                WorksiteAgreement.nonce == nonce,
            )
            .values(
                status=SIGNED,
                nonce=None,
                typed_name=typed,
                name_differs=differs,
                signed_at=now,
                ip_address=ip_address[:64],
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.expire(agreement)
    if signed != 1:
        if agreement.status is WITHDRAWN:
            raise Withdrawn()
        raise AlreadySigned()
    _set_partner_dates(lock_row(Partner, agreement.partner_id), agreement)
    with force_locale(DEFAULT_LANGUAGE):  # the kept record is in the county's language
        agreement.pdf_key = storage().save(
            render_pdf(agreement), folder="worksite", extension="pdf"
        )
    db.session.commit()
    return agreement


# --- the PDF -------------------------------------------------------------------------------


def signature_line(agreement: WorksiteAgreement) -> str:
    if agreement.status is SIGNED:
        line = gettext(
            "Signed by %(name)s for %(partner)s on %(when)s, from the link e-mailed to %(email)s.",
            name=agreement.typed_name,
            partner=agreement.partner.name,
            when=local_when(agreement.signed_at),
            email=agreement.signatory_email,
        )
        if agreement.name_differs:
            line += " " + gettext(
                "(The agreement was sent to %(name)s.)", name=agreement.signatory_name
            )
        return line
    if agreement.status is WITHDRAWN:
        return gettext("Withdrawn by the county office; not signed.")
    return gettext("Not yet signed. To be signed by %(name)s.", name=agreement.signatory_name)


def render_pdf(agreement: WorksiteAgreement, *, compress: bool = True) -> bytes:
    """The agreement as a Letter-size PDF in DejaVu Sans (as the training agreement), with its
    signature block."""
    from fpdf import FPDF  # fpdf2 takes a second to import: only the PDF needs it

    county_name = county().name
    pdf = FPDF(format="Letter")
    pdf.set_compression(compress)
    pdf.set_title(agreement.title)
    pdf.set_creator(county_name or "WBL")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    def lines(text: str, size: int = 10, style: str = "", height: int = 5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", align="L")

    lines(agreement.title, 16, "B", 8)
    lines(county_name)
    pdf.ln(2)
    lines(gettext("Worksite: %(partner)s", partner=agreement.partner.name))
    lines(gettext("In force: %(dates)s", dates=_dates(agreement)))
    for paragraph in agreement.body.split("\n\n"):
        pdf.ln(3)
        lines(paragraph.strip())
    pdf.ln(6)
    lines(gettext("Signature"), 11, "B", 6)
    lines(signature_line(agreement))
    pdf.ln(4)
    lines(
        gettext(
            "Agreement %(agreement)s (template version %(version)s), sent %(when)s.",
            agreement=agreement.id,
            version=agreement.template_version or gettext("built-in"),
            when=local_when(agreement.sent_at),
        ),
        8,
        "",
        4,
    )
    return bytes(pdf.output())


def agreement_pdf(agreement: WorksiteAgreement) -> bytes:
    """The kept signed PDF; one not (yet) signed is rendered as it stands."""
    if agreement.pdf_key:
        return storage().read(agreement.pdf_key)
    return render_pdf(agreement)


# --- reading -------------------------------------------------------------------------------


def agreements_of(actor: User, partner_id: int) -> list[WorksiteAgreement]:
    """A partner's agreements, newest first, for staff."""
    if not is_staff(actor):
        raise NotFound()
    return list(
        db.session.scalars(
            select(WorksiteAgreement)
            .where(WorksiteAgreement.partner_id == partner_id)
            .order_by(WorksiteAgreement.sent_at.desc(), WorksiteAgreement.id.desc())
        )
    )


def get_for_download(actor: User, agreement_id: int) -> WorksiteAgreement:
    """Staff download any agreement; a partner's contacts (employers) their own partner's
    signed ones. Anything else is not found."""
    agreement = db.session.get(WorksiteAgreement, agreement_id)
    if agreement is None:
        raise NotFound()
    if is_staff(actor):
        return agreement
    if agreement.status is SIGNED and acts_for(actor, agreement.partner_id):
        return agreement
    raise NotFound()


def signed_for_contact(actor: User) -> list[WorksiteAgreement]:
    """The signed agreements of the partners an employer speaks for, newest first."""
    return list(
        db.session.scalars(
            select(WorksiteAgreement)
            .where(
                WorksiteAgreement.partner_id.in_(partner_ids_of(actor)),
                WorksiteAgreement.status == SIGNED,
            )
            .options(selectinload(WorksiteAgreement.partner))
            .order_by(WorksiteAgreement.signed_at.desc())
        )
    )


def renewable(partner_ids: list[int], today: date) -> set[int]:
    """Of ``partner_ids``, those whose latest signed agreement ends within ``RENEWAL_DAYS``
    and that have no agreement waiting to be signed: the compliance list offers them a
    one-click renewal."""
    if not partner_ids:
        return set()
    soon = today + timedelta(days=RENEWAL_DAYS)
    rows = db.session.execute(
        select(WorksiteAgreement.partner_id, func.max(WorksiteAgreement.end_date))
        .where(WorksiteAgreement.partner_id.in_(partner_ids), WorksiteAgreement.status == SIGNED)
        .group_by(WorksiteAgreement.partner_id)
    )
    ends = {row[0]: row[1] for row in rows}
    waiting = set(
        db.session.scalars(
            select(WorksiteAgreement.partner_id).where(
                WorksiteAgreement.partner_id.in_(partner_ids), WorksiteAgreement.status == SENT
            )
        )
    )
    return {pid for pid, end in ends.items() if end <= soon and pid not in waiting}


def pending_for(partner_ids: list[int]) -> set[int]:
    """Of ``partner_ids``, those with an agreement waiting to be signed."""
    if not partner_ids:
        return set()
    return set(
        db.session.scalars(
            select(WorksiteAgreement.partner_id).where(
                WorksiteAgreement.partner_id.in_(partner_ids), WorksiteAgreement.status == SENT
            )
        )
    )
