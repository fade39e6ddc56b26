"""Administrators keep the county's settings; the set-up checklist says what a new county
still lacks.

A new deployment starts from an empty database and one administrator (``flask users
create-admin``). Until the county is named, the administrator is sent to the set-up page on
signing in and everyone else sees a "being set up" page (``wbl.county.gate``); once it has a
name and a district, the app is open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Exists, exists, func, select
from sqlalchemy.exc import IntegrityError

from wbl.access import Role, require
from wbl.auth.models import User, UserRole
from wbl.county import rules
from wbl.county.models import SETTINGS_ID, CountySettings
from wbl.county.settings import County, county, forget
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.images import clean_logo
from wbl.schools.models import District, School
from wbl.storage import storage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SettingsInput:
    name: str
    timezone: str
    base_url: str


class SavedMeanwhile(DomainError):
    message = (
        "Another administrator saved the settings at the same moment. Check them and save again."
    )


def can_keep_settings(actor: User) -> bool:
    """Administrators only: the name, zone and address change every page, e-mail and badge."""
    return actor.has_role(Role.ADMIN)


@atomic
def save_settings(
    actor: User, data: SettingsInput, *, logo: bytes | None = None, remove_logo: bool = False
) -> County:
    """Save the county's settings (the first save writes the row). A new logo is cleaned as
    partner logos are (PNG/JPEG re-encoded, SVG filtered) and replaces the old one, whose
    file is removed after the commit. Any problem: nothing is saved, no file is kept."""
    require(can_keep_settings(actor))
    problems = rules.settings_problems(
        name=data.name, timezone=data.timezone, base_url=data.base_url
    )
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    cleaned = clean_logo(logo) if logo is not None else None
    row = db.session.get(CountySettings, SETTINGS_ID, with_for_update=True)
    if row is None:
        row = CountySettings(id=SETTINGS_ID, version=0, logo_content_type="")
        db.session.add(row)
    old_key = row.logo_key
    row.name = data.name.strip()
    row.timezone = data.timezone
    row.base_url = rules.clean_base_url(data.base_url)
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    new_key = None
    if cleaned is not None:
        new_key = storage().save(cleaned.data, folder="logos", extension=cleaned.extension)
        row.logo_key, row.logo_content_type = new_key, cleaned.content_type
    elif remove_logo:
        row.logo_key, row.logo_content_type = None, ""
    try:
        db.session.flush()
        db.session.commit()
    except IntegrityError:
        _drop_file(new_key)
        raise SavedMeanwhile() from None
    except Exception:
        _drop_file(new_key)
        raise
    finally:
        forget()
    if old_key and old_key != row.logo_key:
        _drop_file(old_key)
    return county()


def _drop_file(key: str | None) -> None:
    if key:
        storage().delete(key)


def write_settings(*, name: str, timezone: str, base_url: str) -> None:
    """The county's settings inside the caller's transaction (flushes, never commits), when
    none are saved yet: for loaders such as the demo county, which names itself."""
    if db.session.get(CountySettings, SETTINGS_ID) is None:
        db.session.add(
            CountySettings(
                id=SETTINGS_ID,
                name=name,
                timezone=timezone,
                base_url=rules.clean_base_url(base_url),
                logo_content_type="",
                version=1,
            )
        )
        db.session.flush()
    forget()


@dataclass(frozen=True, slots=True)
class StoredLogo:
    data: bytes
    content_type: str


def county_logo() -> StoredLogo:
    """The county's logo as stored (cleaned at upload); NotFound when there is none."""
    settings = county()
    if not settings.logo_key:
        raise NotFound()
    return StoredLogo(storage().read(settings.logo_key), settings.logo_content_type)


# --- First run --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetupStatus:
    """What the set-up checklist shows: each step done or not."""

    county: County
    districts: int
    schools: int
    people: int  # accounts other than administrators (from the roster or invitations)
    sso_providers: tuple[str, ...]

    @property
    def named(self) -> bool:
        return self.county.named

    @property
    def complete(self) -> bool:
        """The steps WBL cannot work without: a name and a district."""
        return self.named and self.districts > 0


def _is_admin() -> Exists:
    return exists().where(UserRole.user_id == User.id, UserRole.role == Role.ADMIN)


def setup_status() -> SetupStatus:
    districts = db.session.scalar(select(func.count(District.id)).where(District.active)) or 0
    schools = db.session.scalar(select(func.count(School.id)).where(School.active)) or 0
    people = db.session.scalar(select(func.count(User.id)).where(~_is_admin())) or 0
    return SetupStatus(
        county=county(),
        districts=districts,
        schools=schools,
        people=people,
        sso_providers=sso_provider_names(),
    )


def needs_setup() -> bool:
    """The county has no name yet, or no district: its administrator is led to the set-up
    page (one cached read and, once named, one small query)."""
    if not county().named:
        return True
    return db.session.scalar(select(District.id).limit(1)) is None


def sso_provider_names() -> tuple[str, ...]:
    """The single sign-on providers the server is configured with (``WBL_SSO_PROVIDERS_FILE``,
    read by ``wbl.auth.oidc``), for the checklist: SSO itself is configured on the server."""
    from wbl.auth import oidc

    return tuple(provider.label for provider in oidc.providers())
