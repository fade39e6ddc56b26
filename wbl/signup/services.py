"""Businesses and volunteers sign themselves up; staff approve (issue 15, seed 000).

The use cases and their rules:

- **Submit** (anyone, no account): a business asks to become a partner ("Become a partner":
  its name, sector, address, website, which of the five experiences it can offer, whether it
  endorses the Work Ready Certificate, and its contact), or a person volunteers to review
  portfolios or sit on interview panels. The fields meet the catalog's one rule set
  (``wbl/catalog/rules.py``: names, lengths, websites, e-mail addresses) and the ZIP must be
  one we can place, so what staff approve can be saved as it is. The request is stored and
  the person gets a confirmation link; nothing else exists yet. A new request replaces an
  unconfirmed one of the same kind from the same address (its link stops working), so a
  second try does not leave two. The pages add a honeypot field and a limit per address
  (``views.py``).
- **Confirm** (the signed link, ``SIGNUP_CONFIRM_MAX_AGE``, three days): the request moves
  from ``submitted`` to ``confirmed`` once, joins the staff queue, and the program's inbox
  (``PROGRAM_EMAIL``) is told. The link names the request and a digest of its address and
  time of sending, so a tampered, expired or replaced link changes nothing; a second click
  says it is done. Requests never confirmed are forgotten by the ``prune-signups`` job when
  their link expires.
- **Approve** (CTE staff; partners and the reviewer pool serve the whole county), in one
  transaction that moves the request from ``confirmed`` first, so two staff approving at once
  approve once and create once:
  - a business: a new partner from the request, through the catalog's own ``add_partner``
    (its rules, a unique name), or the existing partner staff choose (the review page shows
    the likely matches by name, website and e-mail); the contact is linked through the
    catalog's ``link_contact``: a new person is invited to set a password (the invitation is
    the approval e-mail), an existing employer account is linked and told, any other account
    (a student's, a teacher's) is refused as the catalog refuses it;
  - a volunteer: their existing account (matched by e-mail), or a new employer account with
    an invitation; linked to the partner they work for when staff choose one (so the
    conflict-of-interest rules know where they work); in the reviewer pool when they offered
    to review, under the pool's own rules (``wbl.reviews.volunteers.why_not_eligible``:
    educators, and employers of an endorsing partner). An educator without an account is
    refused: a teacher's account, which reads a school's student records, comes from the
    roster or a staff invitation, never from a public form.
  A student's or a deactivated account is never given anything.
- **Decline** (CTE staff): a reason, e-mailed to the person; nothing else changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import delete

from wbl.access import Role, require
from wbl.auth.models import User, normalize_email
from wbl.auth.services import add_invited_user, find_user_by_email
from wbl.catalog import manage_contacts, manage_partners, rules
from wbl.catalog.manage_contacts import ContactData
from wbl.catalog.manage_partners import PartnerData
from wbl.catalog.models import Partner
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, utcnow
from wbl.geocoding.services import UnknownZip, zip_centroid
from wbl.i18n import later
from wbl.notifications.services import queue_email
from wbl.reference.models import ExperienceKind, IndustrySector
from wbl.reference.queries import experience_type_names
from wbl.reviews.volunteers import join_pool
from wbl.scopes import is_staff, speaks_for
from wbl.signup.models import Background, SignupKind, SignupRequest, SignupStatus
from wbl.tokens import InvalidLink, make_token, read_token

PURPOSE = "signup-confirm"
MAX_NAME = 120  # User.full_name
MAX_JOB_TITLE = 120  # PartnerContact.job_title
MAX_PHONE = 40
MAX_ORGANISATION = rules.PARTNER_LENGTHS["name"]
MAX_NOTE = 2000
MAX_REASON = 2000

NAME_NEEDED = "Enter your name."
ORGANISATION_NEEDED = "Enter where you work."
KINDS_NEEDED = "Choose at least one kind of experience you could offer."
ACTIVITY_NEEDED = "Choose reviewing portfolios, interview panels or both."
SECTOR = "Choose a sector from the list."
BACKGROUND = "Choose whether you work at a business or are an educator."
EDUCATOR_NEEDS_ACCOUNT = (
    "No account uses this address. Educators volunteer with the account their school gave "
    "them: ask them to sign up again with that address, or invite them (Administration ▸ "
    "Invite users) and approve this request afterwards."
)


class AlreadyConfirmed(InvalidLink):
    message = "This address is already confirmed: your request is with the CTE team."


class AlreadyDecided(DomainError):
    message = "Someone has already decided this request; nothing was changed."


Problems = rules.Problems


# --- what people send ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerRequestData:
    """What a business fills in on "Become a partner"; the field names are the form's."""

    name: str
    sector_id: int | None
    zip: str
    full_name: str
    email: str
    street_address: str = ""
    city: str = ""
    website: str = ""
    phone: str = ""  # the business's main phone
    description: str = ""
    kinds: frozenset[ExperienceKind] = frozenset()
    endorses_certificate: bool = False
    contact_phone: str = ""
    job_title: str = ""

    def partner_data(self) -> PartnerData:
        """The partner the request describes, as the catalog's rules see it."""
        return PartnerData(
            name=self.name,
            sector_id=self.sector_id or 0,
            street_address=self.street_address,
            city=self.city,
            zip=self.zip,
            website=self.website,
            phone=self.phone,
            description=self.description,
        )


@dataclass(frozen=True, slots=True)
class VolunteerRequestData:
    """What a person fills in on "Volunteer as a reviewer or interviewer"."""

    full_name: str
    email: str
    organisation: str
    background: Background | None
    reviews: bool
    interviews: bool
    phone: str = ""
    job_title: str = ""
    note: str = ""


def _person_problems(
    full_name: str, email: str, phone: str, job_title: str, *, phone_field: str
) -> Problems:
    problems: Problems = {}
    if not full_name.strip():
        problems["full_name"] = NAME_NEEDED
    elif len(full_name.strip()) > MAX_NAME:
        problems["full_name"] = rules.too_long(MAX_NAME)
    problem = rules.email_problem(email) if email.strip() else rules.EMAIL
    if problem:
        problems["email"] = problem
    if len(phone.strip()) > MAX_PHONE:
        problems[phone_field] = rules.too_long(MAX_PHONE)
    if len(job_title.strip()) > MAX_JOB_TITLE:
        problems["job_title"] = rules.too_long(MAX_JOB_TITLE)
    return problems


def partner_request_problems(data: PartnerRequestData) -> Problems:
    """Every field of a business's request that breaks a rule (empty: fine). The catalog's
    rules for a partner, the contact's, and a ZIP we can place (offline). Whether the name
    is taken is not a problem here: staff link the request to the partner it names."""
    problems = rules.partner_problems(data.partner_data().rule_fields())
    if data.sector_id is None:
        problems["sector_id"] = SECTOR
    try:
        zip_centroid(data.zip)
    except UnknownZip as error:
        problems["zip"] = error.message
    if not data.kinds:
        problems["kinds"] = KINDS_NEEDED
    people = _person_problems(
        data.full_name, data.email, data.contact_phone, data.job_title, phone_field="contact_phone"
    )
    return {**problems, **people}


def volunteer_request_problems(data: VolunteerRequestData) -> Problems:
    problems = _person_problems(
        data.full_name, data.email, data.phone, data.job_title, phone_field="phone"
    )
    if not data.organisation.strip():
        problems["organisation"] = ORGANISATION_NEEDED
    elif len(data.organisation.strip()) > MAX_ORGANISATION:
        problems["organisation"] = rules.too_long(MAX_ORGANISATION)
    if data.background is None:
        problems["background"] = BACKGROUND
    if not (data.reviews or data.interviews):
        problems["activities"] = ACTIVITY_NEEDED
    if len(data.note.strip()) > MAX_NOTE:
        problems["note"] = rules.too_long(MAX_NOTE)
    return problems


def _refuse(problems: Problems) -> None:
    """The first problem found, raised on its field (the forms show them all)."""
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)


# --- submitting and confirming -------------------------------------------------------------


@atomic
def submit_partner_request(data: PartnerRequestData) -> SignupRequest:
    _refuse(partner_request_problems(data))
    sector = db.session.get(IndustrySector, data.sector_id)
    if sector is None or not sector.active:
        raise DomainError(SECTOR, field="sector_id")
    request = SignupRequest(
        kind=SignupKind.PARTNER,
        organisation=data.name.strip(),
        sector_id=sector.id,
        street_address=data.street_address.strip(),
        city=data.city.strip(),
        zip=data.zip.strip()[:5],
        website=data.website.strip(),
        business_phone=data.phone.strip(),
        description=data.description.strip(),
        experience_kinds=[k.value for k in ExperienceKind if k in data.kinds],
        endorses_certificate=data.endorses_certificate,
        full_name=data.full_name.strip(),
        email=normalize_email(data.email),
        phone=data.contact_phone.strip(),
        job_title=data.job_title.strip(),
    )
    _submit(request)
    db.session.commit()
    return request


@atomic
def submit_volunteer_request(data: VolunteerRequestData) -> SignupRequest:
    _refuse(volunteer_request_problems(data))
    request = SignupRequest(
        kind=SignupKind.VOLUNTEER,
        full_name=data.full_name.strip(),
        email=normalize_email(data.email),
        phone=data.phone.strip(),
        job_title=data.job_title.strip(),
        organisation=data.organisation.strip(),
        background=data.background,
        reviews=data.reviews,
        interviews=data.interviews,
        description=data.note.strip(),
    )
    _submit(request)
    db.session.commit()
    return request


def _submit(request: SignupRequest) -> SignupRequest:
    db.session.execute(
        delete(SignupRequest).where(
            SignupRequest.kind == request.kind,
            SignupRequest.email == request.email,
            SignupRequest.status == SignupStatus.SUBMITTED,
        )
    )
    db.session.add(request)
    db.session.flush()
    days = current_app.config["SIGNUP_CONFIRM_MAX_AGE"] // 86400
    queue_email(
        kind="signup_confirm",
        to=request.email,
        template="signup/confirm",
        context={"request": request, "days": days, "link": confirmation_link(request)},
    )
    return request


def _fingerprint(request: SignupRequest) -> str:
    """What a link binds to besides the id: the address and the moment of sending (an id
    may be used again once its unconfirmed request is replaced or forgotten)."""
    text = f"{request.email}\0{request.created_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def confirmation_link(request: SignupRequest) -> str:
    token = make_token(PURPOSE, {"s": request.id, "e": _fingerprint(request)})
    return url_for("signup.confirm", token=token, _external=True)


def read_confirmation_link(token: str) -> SignupRequest:
    """The request a link confirms, while it can still be confirmed: InvalidLink (or
    ExpiredLink) for a link that is not ours, too old, or whose request was replaced;
    AlreadyConfirmed once it was used."""
    data = read_token(PURPOSE, token, current_app.config["SIGNUP_CONFIRM_MAX_AGE"])
    request_id, digest = data.get("s"), data.get("e")
    if not isinstance(request_id, int) or not isinstance(digest, str):
        raise InvalidLink()
    request = db.session.get(SignupRequest, request_id)
    if request is None or _fingerprint(request) != digest:
        raise InvalidLink()
    if request.status is not SignupStatus.SUBMITTED:
        raise AlreadyConfirmed()
    return request


@atomic
def confirm_email(token: str) -> SignupRequest:
    request = read_confirmation_link(token)
    if not move_status(
        request, SignupStatus.SUBMITTED, status=SignupStatus.CONFIRMED, confirmed_at=utcnow()
    ):
        raise AlreadyConfirmed()
    to = current_app.config["PROGRAM_EMAIL"]
    if to:
        what = "partner" if request.kind is SignupKind.PARTNER else "volunteer"
        link = url_for("signup.review", signup_id=request.id, _external=True)
        queue_email(
            kind="signup_waiting",
            to=to,
            template="signup/waiting",
            context={"request": request, "what": what, "link": link},
        )
    db.session.commit()
    return request


# --- staff decide --------------------------------------------------------------------------


def get_request(actor: User, signup_id: int, kind: SignupKind | None = None) -> SignupRequest:
    require(is_staff(actor))
    request = db.session.get(SignupRequest, signup_id)
    if request is None or (kind is not None and request.kind is not kind):
        raise NotFound()
    return request


def _decide(request: SignupRequest, actor: User, status: SignupStatus, reason: str = "") -> None:
    """Move a confirmed request to its decision, once: of two staff deciding at once, the
    second is told (the UPDATE names the status it expects)."""
    if not move_status(
        request,
        SignupStatus.CONFIRMED,
        status=status,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        reason=reason,
    ):
        if request.status is SignupStatus.SUBMITTED:
            raise DomainError("The person has not confirmed their e-mail address yet.")
        raise AlreadyDecided()


def _existing_account(request: SignupRequest) -> User | None:
    """The account the request's address already has, if it may be given anything."""
    user = find_user_by_email(request.email)
    if user is None:
        return None
    if not user.active:
        raise DomainError(
            f"{request.email} belongs to a deactivated account; it cannot be given access."
        )
    if user.has_role(Role.STUDENT):
        raise DomainError(f"{request.email} belongs to a student's account.")
    return user


def _chosen_partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise DomainError("Choose a partner from the list.", field="partner_id")
    return partner


def _contact(request: SignupRequest) -> ContactData:
    return ContactData(
        email=request.email,
        full_name=request.full_name,
        job_title=request.job_title,
        phone=request.phone,
    )


@dataclass(frozen=True, slots=True)
class PartnerApproval:
    partner_id: int | None  # None: a new partner from the request
    endorses_certificate: bool  # list the partner among the endorsers (never un-lists one)


@atomic
def approve_partner(actor: User, signup_id: int, decision: PartnerApproval) -> SignupRequest:
    request = get_request(actor, signup_id, SignupKind.PARTNER)
    _decide(request, actor, SignupStatus.APPROVED)
    if decision.partner_id is None:
        partner = manage_partners.add_partner(
            actor, _new_partner(request, decision.endorses_certificate)
        )
    else:
        partner = _chosen_partner(decision.partner_id)
        if decision.endorses_certificate:
            partner.endorses_certificate = True
    user = _existing_account(request)
    kinds = experience_type_names()
    offer = ", ".join(kinds[k] for k in request.experience_kinds if k in kinds)
    welcome = (
        f"Your request is approved: you speak for {partner.name} on WBL. Post the "
        f"opportunities you can offer ({offer}) and confirm students' hours there."
    )
    invited = user is None
    if user is None or not speaks_for(user, partner.id):
        user = manage_contacts.link_contact(actor, partner, _contact(request), note=welcome).user
    if not invited:  # a new account's invitation says it all
        _tell_approved(request, user, later(_partner_welcome, partner.name, offer))
    request.partner_id, request.user_id = partner.id, user.id
    db.session.commit()
    return request


def _new_partner(request: SignupRequest, endorses: bool) -> PartnerData:
    if request.sector_id is None:  # every partner request has one (the form requires it)
        raise DomainError(SECTOR)
    return PartnerData(
        name=request.organisation,
        sector_id=request.sector_id,
        street_address=request.street_address,
        city=request.city,
        zip=request.zip,
        website=request.website,
        phone=request.business_phone,
        description=request.description,
        endorses_certificate=endorses,
    )


@dataclass(frozen=True, slots=True)
class VolunteerApproval:
    partner_id: int | None  # the partner they work for (made its contact), or none
    reviews: bool  # into the reviewer pool


@atomic
def approve_volunteer(actor: User, signup_id: int, decision: VolunteerApproval) -> SignupRequest:
    request = get_request(actor, signup_id, SignupKind.VOLUNTEER)
    _decide(request, actor, SignupStatus.APPROVED)
    user = _existing_account(request)
    partner = _chosen_partner(decision.partner_id) if decision.partner_id else None
    doing = " and ".join(
        what
        for what, offered in (
            ("review Work Ready portfolios", decision.reviews),
            ("sit on work ready interview panels", request.interviews),
        )
        if offered
    )
    welcome = (
        f"Thank you for volunteering: your offer is approved. The CTE team will ask you to "
        f"{doing or 'help'} when a student needs you."
    )
    if partner is not None:
        welcome += f" You are listed as a contact of {partner.name}."
    invited = user is None
    if partner is not None and (user is None or not speaks_for(user, partner.id)):
        user = manage_contacts.link_contact(actor, partner, _contact(request), note=welcome).user
    elif user is None:
        if request.background is Background.EDUCATOR:
            raise DomainError(EDUCATOR_NEEDS_ACCOUNT)
        user = add_invited_user(
            actor,
            email=request.email,
            full_name=request.full_name,
            roles={Role.EMPLOYER},
            note=welcome,
        )
    if decision.reviews:
        try:
            join_pool(user)
        except DomainError as error:
            raise DomainError(
                f"{request.full_name} cannot join the reviewer pool: {error.message}"
            ) from None
    if not invited:
        said = later(
            _volunteer_welcome,
            reviews=decision.reviews,
            interviews=request.interviews,
            partner=partner.name if partner is not None else "",
        )
        _tell_approved(request, user, said)
    request.partner_id = partner.id if partner is not None else None
    request.user_id = user.id
    db.session.commit()
    return request


def _partner_welcome(partner: str, offer: str) -> str:
    """The approval's sentence, in the e-mail's language (the contact note keeps English)."""
    return gettext(
        "Your request is approved: you speak for %(partner)s on WBL. Post the opportunities "
        "you can offer (%(offer)s) and confirm students' hours there.",
        partner=partner,
        offer=offer,
    )


def _volunteer_welcome(*, reviews: bool, interviews: bool, partner: str) -> str:
    """The approval's sentences for a volunteer, whole sentences for the translators."""
    if reviews and interviews:
        text = gettext(
            "Thank you for volunteering: your offer is approved. The CTE team will ask you to "
            "review Work Ready portfolios and sit on work ready interview panels when a "
            "student needs you."
        )
    elif reviews:
        text = gettext(
            "Thank you for volunteering: your offer is approved. The CTE team will ask you to "
            "review Work Ready portfolios when a student needs you."
        )
    elif interviews:
        text = gettext(
            "Thank you for volunteering: your offer is approved. The CTE team will ask you to "
            "sit on work ready interview panels when a student needs you."
        )
    else:
        text = gettext(
            "Thank you for volunteering: your offer is approved. The CTE team will ask you to "
            "help when a student needs you."
        )
    if partner:
        text += " " + gettext("You are listed as a contact of %(partner)s.", partner=partner)
    return text


def _tell_approved(request: SignupRequest, user: User, sentence: str) -> None:
    """An approval for someone who already has an account (a new one gets the invitation)."""
    queue_email(
        kind="signup_approved",
        to=user.email,
        template="signup/approved",
        context={
            "user": user,
            "welcome": sentence,
            "link": url_for("auth.login", _external=True),
        },
    )


@atomic
def decline(actor: User, signup_id: int, reason: str) -> SignupRequest:
    request = get_request(actor, signup_id)
    text = reason.strip()
    if not text:
        raise DomainError("Say why, for the e-mail to the person.", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(rules.too_long(MAX_REASON), field="reason")
    _decide(request, actor, SignupStatus.DECLINED, reason=text)
    queue_email(
        kind="signup_declined",
        to=request.email,
        template="signup/declined",
        context={"request": request, "note": text},
    )
    db.session.commit()
    return request
