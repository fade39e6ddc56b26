"""Single sign-on: which account, if any, an identity that a provider vouched for opens.

The rules (issue 15, "Single sign-on"):
- The provider must say it verified the address (``email_verified``, or the claim the
  provider's configuration names), and the address must be at one of the provider's domains.
  Both are checked before any account is looked up, so these refusals tell nothing about
  who has an account.
- An identity signed in before (its issuer and subject are stored in ``SsoIdentity``) opens
  the account it is linked to, whatever address it now carries. Otherwise the address must
  be an active account's: the first sign-in links the identity to it. Single sign-on never
  creates an account: students and teachers come from the roster, employers and volunteers
  sign up, staff are invited.
- An account already linked to another identity at the same issuer is not opened by this
  one: a provider that gives a former student's address to someone new must not open the
  former student's records. Staff remove the old link (``flask users unlink-sso``).
- Every role of the account must be one the provider allows: a provider meant for students
  does not sign in an administrator who happens to have an address at the district.

What a refusal says: no account for the address and an inactive account read the same ("no
active account"), and both say what to do (ask the school). The person who reads it has just
proved to the provider that the address is theirs, so it tells nobody about anybody else's
account; a role that may not use the provider is said as such, for the same reason. Every
refusal is logged with the provider, the subject, the address's domain and the account id
when there is one (not the address itself).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from wbl.auth.models import SsoIdentity, User
from wbl.auth.oidc import Identity, Provider, SsoProblem
from wbl.auth.services import find_user_by_email
from wbl.errors import DomainError
from wbl.extensions import atomic, db, rows_affected, utcnow

log = logging.getLogger(__name__)


class SignInRefused(SsoProblem):
    """The provider vouched for the person, but WBL does not let them in this way."""

    status = 403
    retry = False
    title = "We could not sign you in"


class AddressNotVerified(SignInRefused):
    message = (
        "{label} has not confirmed that {email} is yours, so WBL cannot use it. Confirm the "
        "address with {label}, or sign in with your e-mail and password."
    )


class AddressNotAllowed(SignInRefused):
    message = (
        "Sign in with {label} is for addresses at {domains}, and you signed in to {label} as "
        "{email}. Sign out of {label} and sign in with your school account, or sign in with "
        "your e-mail and password."
    )


class NoActiveAccount(SignInRefused):
    message = (
        "No active WBL account uses {email}. Your school adds its students and teachers to "
        "WBL: ask your teacher or the school's CTE office. Employers and volunteers sign in "
        "with their e-mail and password."
    )


class RoleNotAllowed(SignInRefused):
    message = (
        "Your WBL account does not sign in with {label}. Sign in with your e-mail and password."
    )


class LinkedToAnother(SignInRefused):
    message = (
        "The WBL account for {email} is linked to another {label} account. Sign in with that "
        "one, or ask the CTE office to remove the link."
    )


def _refusal(
    refusal: type[SignInRefused],
    provider: Provider,
    identity: Identity,
    user: User | None = None,
) -> SignInRefused:
    log.warning(
        "single sign-on with %s refused (%s): subject %.64r, an address at %.64r, account %s",
        provider.name,
        refusal.__name__,
        identity.subject,
        identity.domain,
        user.id if user is not None else "none",
    )
    domains = ", ".join(sorted(provider.domains))
    return refusal(
        refusal.message.format(label=provider.label, email=identity.email, domains=domains)
    )


@atomic
def sign_in(provider: Provider, identity: Identity) -> User:
    """The account ``identity`` opens (the rules are in the module's docstring), with the
    sign-in recorded: the identity linked or its last use, and the account's last sign-in."""
    if not identity.email or not identity.email_verified:
        raise _refusal(AddressNotVerified, provider, identity)
    if not provider.allows_address(identity.email):
        raise _refusal(AddressNotAllowed, provider, identity)
    link = db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == identity.issuer, SsoIdentity.subject == identity.subject
        )
    )
    user = link.user if link is not None else find_user_by_email(identity.email)
    if user is None or not user.active:
        raise _refusal(NoActiveAccount, provider, identity, user)
    if not user.role_set <= provider.roles:
        raise _refusal(RoleNotAllowed, provider, identity, user)
    now = utcnow()
    if link is None:
        _link(provider, identity, user, now)
    else:
        link.last_used_at = now
    user.last_login_at = now
    db.session.commit()
    log.info("single sign-on with %s: account %s signed in", provider.name, user.id)
    return user


def _link(provider: Provider, identity: Identity, user: User, now: datetime) -> None:
    """Link ``identity`` to ``user``, unless the account is linked to another identity at
    this issuer. Two first sign-ins at once (a double click at the provider) both try: the
    unique constraints let one in, and the other finds the link it made."""
    other = db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.user_id == user.id, SsoIdentity.issuer == identity.issuer
        )
    )
    if other is not None:
        raise _refusal(LinkedToAnother, provider, identity, user)
    try:
        with db.session.begin_nested():
            db.session.add(
                SsoIdentity(
                    user_id=user.id,
                    issuer=identity.issuer,
                    subject=identity.subject,
                    created_at=now,
                    last_used_at=now,
                )
            )
    except IntegrityError:
        same = db.session.scalar(
            select(SsoIdentity.id).where(
                SsoIdentity.user_id == user.id,
                SsoIdentity.issuer == identity.issuer,
                SsoIdentity.subject == identity.subject,
            )
        )
        if same is None:
            raise _refusal(LinkedToAnother, provider, identity, user) from None
    log.info("single sign-on with %s: account %s linked", provider.name, user.id)


class NoSuchAccount(DomainError):
    message = "No account uses that e-mail address."


@atomic
def unlink(email: str) -> int:
    """Remove every single sign-on identity of the account with ``email`` (``flask users
    unlink-sso``): its next single sign-on links it again, by address. Returns how many."""
    user = find_user_by_email(email)
    if user is None:
        raise NoSuchAccount()
    removed = db.session.execute(delete(SsoIdentity).where(SsoIdentity.user_id == user.id))
    db.session.commit()
    log.info("single sign-on identities of account %s removed", user.id)
    return rows_affected(removed)
