"""WBL: work-based learning placement matcher and tracker."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config


def create_app(config: type[Config]) -> Flask:
    """Build the app. No side effects on data: no create_all, no migrations, no scheduler."""
    config.validate()
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.config.from_object(config)
    from wbl.logs import register_logs

    register_logs(app)  # first: what the rest may log is logged as configured
    _register_proxy(app)
    from wbl.http import register_request_parsing, register_url_converters

    register_request_parsing(app)
    register_url_converters(app)
    _register_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_cli(app)
    _register_security_headers(app)
    from wbl import links

    links.init_app(app)
    from wbl.county.gate import register_gate

    register_gate(app)
    from wbl.errors import register_error_handlers
    from wbl.request_ids import register_request_ids

    register_request_ids(app)
    register_error_handlers(app)
    from wbl import ops

    ops.init_app(app)  # /healthz, /readyz, /metrics and the request metrics
    return app


def _register_proxy(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` proxies, the client's address is the one they forward (sign-in
    throttling counts by address)."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to wrap the WSGI app, which mypy sees as replacing a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


SQLITE_BUSY_MS = 30_000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")


def _wait_for_sqlite_locks() -> None:
    """On SQLite, a writer waits up to 30 s for another process's write to end (the driver's
    default is 5 s): the web workers and the scheduler share the file (``make run`` starts
    both), and a busy machine could otherwise turn a short wait into "database is locked".
    Every engine of the process, the scheduler's job store's too."""
    if not event.contains(Engine, "connect", _on_sqlite_connect):
        event.listen(Engine, "connect", _on_sqlite_connect)


def _register_extensions(app: Flask) -> None:
    import wbl.models  # noqa: F401 - registers every table on the metadata
    from wbl.auth import oidc, throttle
    from wbl.auth import services as auth_services
    from wbl.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    _wait_for_sqlite_locks()
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    throttle.init_app(app)  # also registers the database:// storage Flask-Limiter uses
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(auth_services.load_user)
    oidc.init_app(app)  # single sign-on's providers (WBL_SSO_PROVIDERS_FILE)
    from wbl import i18n

    i18n.init_app(app)  # gettext catalogs and each request's language


def _register_blueprints(app: Flask) -> None:
    from wbl.api.views import bp as tokens_bp
    from wbl.api.views import docs_bp as api_docs_bp
    from wbl.auth.sso_views import bp as sso_bp
    from wbl.auth.views import bp as auth_bp
    from wbl.calendars.views import bp as calendars_bp
    from wbl.catalog.clearance_views import bp as clearances_bp
    from wbl.catalog.import_views import bp as imports_bp
    from wbl.catalog.manage_views import bp as manage_bp
    from wbl.catalog.views import bp as catalog_bp
    from wbl.catalog.worksite_views import bp as worksite_bp
    from wbl.certificates.views import bp as certificates_bp
    from wbl.county.views import bp as county_bp
    from wbl.credentials.views import bp as credentials_bp
    from wbl.dashboards.views import bp as home_bp
    from wbl.evaluations.views import bp as evaluations_bp
    from wbl.events.views import bp as events_bp
    from wbl.externships.views import bp as externships_bp
    from wbl.hours.link_views import bp as hour_links_bp
    from wbl.hours.log_views import bp as logs_bp
    from wbl.hours.views import bp as hours_bp
    from wbl.incentives.views import bp as incentives_bp
    from wbl.incidents.views import bp as incidents_bp
    from wbl.jobs.views import bp as jobs_bp
    from wbl.notifications.views import bp as notifications_bp
    from wbl.pathways.views import bp as pathways_bp
    from wbl.placements.permit_views import bp as permits_bp
    from wbl.placements.readiness_views import bp as readiness_bp
    from wbl.placements.training_views import bp as agreements_bp
    from wbl.placements.views import bp as placements_bp
    from wbl.portfolio.letters_views import bp as letters_bp
    from wbl.portfolio.views import bp as portfolio_bp
    from wbl.records.views import bp as records_bp
    from wbl.reference.views import bp as reference_bp
    from wbl.reporting.views import bp as reporting_bp
    from wbl.reporting.wblr_views import bp as wblr_bp
    from wbl.reviews.views import bp as reviews_bp
    from wbl.roster.views import bp as roster_bp
    from wbl.rounds.views import bp as rounds_bp
    from wbl.schools.manage_views import bp as districts_bp
    from wbl.schools.views import bp as classes_bp
    from wbl.signup.views import bp as signup_bp
    from wbl.students.views import bp as students_bp
    from wbl.visits.views import bp as visits_bp

    for blueprint in (
        home_bp,
        auth_bp,
        sso_bp,
        calendars_bp,
        students_bp,
        catalog_bp,
        manage_bp,
        clearances_bp,
        imports_bp,
        events_bp,
        classes_bp,
        reference_bp,
        jobs_bp,
        county_bp,
        districts_bp,
        reporting_bp,
        roster_bp,
        notifications_bp,
        readiness_bp,
        placements_bp,
        rounds_bp,
        agreements_bp,
        permits_bp,
        hours_bp,
        hour_links_bp,
        logs_bp,
        evaluations_bp,
        incidents_bp,
        visits_bp,
        portfolio_bp,
        letters_bp,
        reviews_bp,
        certificates_bp,
        records_bp,
        credentials_bp,
        pathways_bp,
        incentives_bp,
        wblr_bp,
        externships_bp,
        signup_bp,
        tokens_bp,
        api_docs_bp,
        worksite_bp,
    ):
        app.register_blueprint(blueprint)
    _register_api(app)


def _register_api(app: Flask) -> None:
    """``/api/v1`` (issue 19): token-authenticated, so no CSRF (no cookie authenticates it)."""
    from wbl.api.core import WblApi, init_app
    from wbl.api.v1 import bp as api_v1_bp
    from wbl.extensions import csrf

    api = WblApi()
    init_app(app, api)
    app.extensions["wbl.api"] = api
    csrf.exempt(api_v1_bp)
    api.register_blueprint(api_v1_bp)


def _register_template_helpers(app: Flask) -> None:
    from babel.dates import format_interval
    from flask_babel import format_date, format_decimal, get_locale, gettext

    from wbl.access import Role
    from wbl.i18n import is_english

    @app.template_filter("number")
    def _number(value: float | None) -> str:
        """A number as the page's language writes it ("1,250.5"; in Spanish "1250,5")."""
        return "—" if value is None else format_decimal(value)

    @app.template_filter("day")
    def _day(value: date | None) -> str:
        """Dates as people write them: "Dec 1, 2026" (in Spanish "1 dic 2026")."""
        if value and not is_english():
            return format_date(value, "medium")
        return f"{value:%b} {value.day}, {value.year}" if value else "—"

    @app.template_filter("day_range")
    def _day_range(start: date | None, end: date | None) -> str:
        """ "Dec 5, 2026", "Dec 5–6, 2026", "Dec 5, 2026 – Jan 8, 2027"."""
        if start is None:
            return gettext("Dates to be set")
        if end is None or end == start:
            return _day(start)
        if not is_english():
            return format_interval(start, end, "yMMMd", locale=get_locale())
        if (start.year, start.month) == (end.year, end.month):
            return f"{start:%b} {start.day}–{end.day}, {end.year}"
        if start.year == end.year:
            return f"{start:%b} {start.day} – {end:%b} {end.day}, {end.year}"
        return f"{_day(start)} – {_day(end)}"

    @app.template_filter("decimal")
    def _decimal(value: float) -> str:
        """One decimal, with the reader's decimal sign: "2.5" (in Spanish "2,5")."""
        return format_decimal(value, "0.0")

    from wbl.catalog.services import website_url
    from wbl.i18n import data_name

    app.add_template_filter(website_url, "web_url")
    # A shipped reference name in the reader's language: ``{{ pathway.name|data_name }}``.
    app.add_template_filter(data_name, "data_name")

    from wbl.county.settings import county
    from wbl.i18n import LANGUAGES

    @app.context_processor
    def _globals() -> dict[str, object]:
        settings = county()
        return {
            "current_language": str(get_locale() or "en"),
            "languages": LANGUAGES,
            "Role": Role,
            "county": settings,
            # Headings before the county is named say what the app is instead.
            "county_name": settings.name if settings.named else "Work-based learning",
            "demo_footer": app.config["DEMO_FOOTER"],
        }


# Everything is served from this origin (no CDN); Bootstrap's CSS uses data: SVG images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _register_cli(app: Flask) -> None:
    from wbl.auth.cli import users_cli
    from wbl.backups.cli import backup_cli
    from wbl.catalog.cli import export_cli, import_cli
    from wbl.demo.cli import seed_demo_command
    from wbl.jobs.cli import jobs_cli, scheduler_command, serve_command
    from wbl.placements.cli import placements_cli
    from wbl.reporting.cli import report_cli
    from wbl.roster.cli import roster_cli
    from wbl.rounds.cli import rounds_cli
    from wbl.seeding import seed_reference_command

    app.cli.add_command(users_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(placements_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(serve_command)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(seed_reference_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(roster_cli)
    app.cli.add_command(backup_cli)
