"""Read-side selects for sign-ups: the staff queues, and the partners a request may already be.

A business that signs up may already be in the catalog (staff entered it from a spreadsheet,
or a colleague signed up before). The review page shows the likely matches so that staff link
the contact to that partner instead of creating a second one: the same name (any
capitalisation, punctuation or legal suffix), a similar name, the same website, the address
already a contact of it, or an e-mail domain that is its website's.
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.extensions import db
from wbl.signup.models import SignupKind, SignupRequest, SignupStatus

SIMILAR = 0.8  # difflib's ratio of two normalised names ("Sunrise Vet Clinic" ~ "… Veterinary …")
CANDIDATES = 200  # partners read to find the similar names of one request
_LEGAL = re.compile(r"\b(inc|llc|ltd|co|corp|company|corporation|the)\b")


class Queue(enum.StrEnum):
    WAITING = "waiting"  # confirmed: for staff to decide
    UNCONFIRMED = "unconfirmed"  # the e-mail not confirmed yet: shown apart, expires
    DECIDED = "decided"

    @property
    def label(self) -> str:
        return {
            "waiting": "Waiting for review",
            "unconfirmed": "E-mail not confirmed",
            "decided": "Decided",
        }[self.value]

    @classmethod
    def of(cls, text: str | None) -> Queue:
        return cls(text) if text in {q.value for q in cls} else cls.WAITING


_STATUSES = {
    Queue.WAITING: (SignupStatus.CONFIRMED,),
    Queue.UNCONFIRMED: (SignupStatus.SUBMITTED,),
    Queue.DECIDED: (SignupStatus.APPROVED, SignupStatus.DECLINED),
}


def queue(kind: SignupKind, which: Queue) -> Select[SignupRequest]:
    """One queue of one kind: the oldest waiting first; the latest decided first."""
    query = (
        select(SignupRequest)
        .where(SignupRequest.kind == kind, SignupRequest.status.in_(_STATUSES[which]))
        .options(
            selectinload(SignupRequest.sector),
            selectinload(SignupRequest.decided_by),
            selectinload(SignupRequest.partner),
        )
    )
    if which is Queue.DECIDED:
        return query.order_by(SignupRequest.decided_at.desc(), SignupRequest.id.desc())
    return query.order_by(SignupRequest.created_at, SignupRequest.id)


def counts(kind: SignupKind) -> dict[Queue, int]:
    rows = dict(
        db.session.execute(
            select(SignupRequest.status, func.count())
            .where(SignupRequest.kind == kind)
            .group_by(SignupRequest.status)
        ).all()
    )
    return {q: sum(rows.get(s, 0) for s in _STATUSES[q]) for q in Queue}


def interview_volunteer_ids() -> set[int]:
    """Accounts whose volunteer sign-up, approved, offered to sit on interview panels: the
    panel form lists them first."""
    return set(
        db.session.scalars(
            select(SignupRequest.user_id).where(
                SignupRequest.kind == SignupKind.VOLUNTEER,
                SignupRequest.status == SignupStatus.APPROVED,
                SignupRequest.interviews.is_(True),
                SignupRequest.user_id.is_not(None),
            )
        )
    )


def account_of(request: SignupRequest) -> User | None:
    return db.session.scalar(select(User).where(User.email == request.email))


@dataclass(frozen=True, slots=True)
class Match:
    partner: Partner
    reasons: tuple[str, ...]


def normalised_name(name: str) -> str:
    """A name as compared: lower case, letters and digits, no legal suffix ("Inc.", "LLC")."""
    words = re.sub(r"[^\w\s]", " ", name.lower().replace("&", " and "))
    return " ".join(_LEGAL.sub(" ", words).split())


def web_host(text: str) -> str:
    """The host of a web address or e-mail domain as compared: lower case, without "www."."""
    host = (urlsplit(text).hostname or "") if "//" in text else text
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def likely_partners(request: SignupRequest, limit: int = 5) -> list[Match]:
    """The partners the request may be, with why, the strongest first (a few queries)."""
    name = normalised_name(request.organisation)
    domain = web_host(request.email.rpartition("@")[2])
    site = web_host(request.website) if request.website else ""
    reasons: dict[int, list[str]] = {}

    def note(partner_id: int, reason: str) -> None:
        found = reasons.setdefault(partner_id, [])
        if reason not in found:
            found.append(reason)

    longest = max(name.split(), key=len, default="")
    hosts = [h for h in (site, domain) if h]
    candidates = db.session.execute(
        select(Partner.id, Partner.name, Partner.website)
        .where(
            or_(
                func.lower(Partner.name).contains(longest, autoescape=True) if longest else false(),
                *(func.lower(Partner.website).contains(h, autoescape=True) for h in hosts),
            )
        )
        .order_by(Partner.id)
        .limit(CANDIDATES)
    ).all()
    for partner_id, partner_name, website in candidates:
        theirs = normalised_name(partner_name)
        if name and theirs == name:
            note(partner_id, "same name")
        elif name and difflib.SequenceMatcher(None, name, theirs).ratio() >= SIMILAR:
            note(partner_id, "similar name")
        their_host = web_host(website) if website else ""
        if their_host and their_host == site:
            note(partner_id, "same website")
        if their_host and their_host == domain:
            note(partner_id, "the e-mail's domain is its website's")
    for (partner_id,) in db.session.execute(
        select(PartnerContact.partner_id)
        .join(User, User.id == PartnerContact.user_id)
        .where(User.email == request.email)
    ):
        note(partner_id, "this address is already its contact")
    if not reasons:
        return []
    partners = {
        p.id: p
        for p in db.session.scalars(
            select(Partner).where(Partner.id.in_(reasons)).options(selectinload(Partner.sector))
        )
    }
    strength = {"same name": 3, "same website": 3, "this address is already its contact": 4}
    ranked = sorted(
        reasons.items(),
        key=lambda item: (-sum(strength.get(r, 1) for r in item[1]), partners[item[0]].name),
    )
    return [Match(partners[pid], tuple(why)) for pid, why in ranked[:limit]]
