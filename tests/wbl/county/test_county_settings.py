"""The county's settings: the configuration stands in until an administrator saves them;
one cached read serves every page; a save is seen at once by its own process and within the
cache's seconds by the others; a refusal saves nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.county_data import YOLO, name_county, unnamed_county
from tests.support.logo_files import SVG_WITH_SCRIPT, png_bytes, png_header
from wbl.access import Role
from wbl.clock import local_today
from wbl.county import services
from wbl.county.models import CountySettings
from wbl.county.settings import county, forget
from wbl.errors import DomainError, Forbidden
from wbl.extensions import db
from wbl.storage import storage

GOOD = services.SettingsInput(
    name="Yolo County Office of Education",
    timezone="America/Los_Angeles",
    base_url="https://wbl.ycoe.example.org/",
)


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(CountySettings)) or 0


def _stored_logos(app) -> set[str]:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"]) / "logos"
    return {p.name for p in folder.glob("*")} if folder.exists() else set()


def test_without_a_saved_row_the_configuration_stands_in(app) -> None:
    settings = county()
    assert not settings.saved
    assert (settings.name, settings.timezone, settings.base_url) == (
        app.config["COUNTY_NAME"],
        app.config["TIMEZONE"],
        app.config["BASE_URL"],
    )
    assert settings.named
    assert not settings.has_logo


def test_a_new_deployment_has_no_name(app) -> None:
    with unnamed_county(app):
        assert not county().named
        assert county().display_name == "your county office of education"


def test_an_administrator_saves_them_and_they_win_over_the_configuration() -> None:
    admin = make_user(roles={Role.ADMIN})
    saved = services.save_settings(admin, GOOD)
    assert saved.saved
    assert saved.name == "Yolo County Office of Education"
    assert saved.base_url == "https://wbl.ycoe.example.org"  # no trailing slash
    row = db.session.get(CountySettings, 1)
    assert row is not None
    assert row.updated_by_id == admin.id
    assert row.version == 1
    again = services.save_settings(
        admin, GOOD.__class__(GOOD.name, "America/Denver", GOOD.base_url)
    )
    assert again.timezone == "America/Denver"
    assert again.version == 2
    assert _rows() == 1


@pytest.mark.parametrize("roles", [{Role.STAFF}, {Role.TEACHER}, {Role.STUDENT}, {Role.EMPLOYER}])
def test_only_administrators_save_them(roles) -> None:
    with pytest.raises(Forbidden):
        services.save_settings(make_user(roles=roles), GOOD)
    assert _rows() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (services.SettingsInput("", "America/Los_Angeles", "https://wbl.example.org"), "name"),
        (services.SettingsInput("Yolo", "America/Sonoma", "https://wbl.example.org"), "timezone"),
        (services.SettingsInput("Yolo", "America/Los_Angeles", "wbl.example.org"), "base_url"),
    ],
)
def test_a_refused_save_changes_nothing(data, field) -> None:
    name_county("Before")
    with pytest.raises(DomainError) as refused:
        services.save_settings(make_user(roles={Role.ADMIN}), data)
    assert refused.value.field == field
    assert county().name == "Before"
    assert db.session.get(CountySettings, 1).name == "Before"


def test_a_bad_logo_saves_nothing_and_stores_no_file(app) -> None:
    before = _stored_logos(app)
    for bad in (b"plain text, not an image", png_header(100_000, 100_000), b""):
        with pytest.raises(DomainError) as refused:
            services.save_settings(make_user(roles={Role.ADMIN}), GOOD, logo=bad)
        assert refused.value.field == "logo"
    assert _rows() == 0
    assert _stored_logos(app) == before


def test_a_logo_is_cleaned_stored_replaced_and_removed(app) -> None:
    admin = make_user(roles={Role.ADMIN})
    first = services.save_settings(admin, GOOD, logo=png_bytes())
    assert first.logo_content_type == "image/png"
    assert first.raster_logo
    assert first.logo_key is not None
    assert storage().read(first.logo_key).startswith(b"\x89PNG")
    second = services.save_settings(admin, GOOD, logo=SVG_WITH_SCRIPT)
    assert second.logo_content_type == "image/svg+xml"
    assert not second.raster_logo
    assert b"<script" not in storage().read(second.logo_key)
    assert first.logo_key not in {f"logos/{n}" for n in _stored_logos(app)}  # the old file goes
    kept = services.save_settings(admin, GOOD)  # no new file: the logo stays
    assert kept.logo_key == second.logo_key
    removed = services.save_settings(admin, GOOD, remove_logo=True)
    assert removed.logo_key is None
    assert not removed.has_logo
    assert second.logo_key not in {f"logos/{n}" for n in _stored_logos(app)}


def test_one_cached_read_serves_every_page(app, count_queries) -> None:
    name_county()
    forget()
    with count_queries() as first:
        county()
    with count_queries() as later:
        for _ in range(50):
            county()
            local_today()
    assert first.count == 1
    assert later.count == 0


def test_other_processes_see_a_change_when_their_copy_expires(app, monkeypatch) -> None:
    name_county("Before")
    assert county().name == "Before"
    # Another process (another web worker) saves: this one's copy is not told ...
    db.session.execute(CountySettings.__table__.update().values(name="After"))
    assert county().name == "Before"
    # ... until its seconds are up.
    import wbl.county.settings as settings_module

    later = settings_module.time.monotonic() + app.config["COUNTY_CACHE_SECONDS"] + 1
    monkeypatch.setattr(settings_module.time, "monotonic", lambda: later)
    assert county().name == "After"


def test_the_calendar_day_follows_the_county_time_zone(monkeypatch) -> None:
    from datetime import UTC

    import wbl.clock as clock

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2027, 1, 5, 7, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    name_county(timezone="America/Los_Angeles")
    assert local_today().isoformat() == "2027-01-04"  # 11 PM the day before in California
    name_county(timezone="Asia/Tokyo")
    assert local_today().isoformat() == "2027-01-05"


def test_the_demo_names_itself_and_leaves_a_saved_county_alone() -> None:
    services.write_settings(
        name="Sonoma County Office of Education",
        timezone="America/Los_Angeles",
        base_url="http://127.0.0.1:5000/",
    )
    assert county().name == "Sonoma County Office of Education"
    assert county().base_url == "http://127.0.0.1:5000"
    name_county(YOLO)
    services.write_settings(name="Other", timezone="UTC", base_url="http://x.example")
    assert county().name == YOLO
