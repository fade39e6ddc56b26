"""Configuration classes, read from environment variables.

Pick one with ``WBL_CONFIG`` (development, testing, production); ``wsgi.py`` does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

_DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - a marker Production refuses


class ConfigError(RuntimeError):
    """The environment does not describe a configuration we can run safely."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'wbl.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the signed session
    BOOTSTRAP_SERVE_LOCAL = True  # never a CDN: the app must work offline
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"  # not sent along with other sites' requests (CSRF)
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # Uploaded files (wbl/storage.py): a local folder by default.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))

    # E-mail: every message lands in the outbox table; SMTP sends it when MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "wbl@example.org")
    # The scheduler delivers the outbox this often (seconds) and when it starts.
    OUTBOX_INTERVAL = int(os.environ.get("WBL_OUTBOX_INTERVAL", "60"))
    # The roster import (docs/import-formats.md): the users.csv column holding the statewide
    # student id, and the one holding the local id (empty: the userIds entry typed Local).
    ROSTER_SSID_COLUMN = os.environ.get("WBL_ROSTER_SSID_COLUMN", "identifier")
    ROSTER_LOCAL_ID_COLUMN = os.environ.get("WBL_ROSTER_LOCAL_ID_COLUMN", "")
    SHOW_OUTBOX = False  # the outbox shows message bodies: development and demos only

    # Rate-limit counters, shared by every web worker: sign-in throttling (wbl/auth/throttle.py)
    # and Flask-Limiter's limits (password reset). The app's database by default
    # (wbl/auth/throttle_storage.py); redis://host:6379 for Redis.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "database://"
    RATELIMIT_HEADERS_ENABLED = False
    # /api/v1 requests a minute per token (wbl/api/core.py), counted in the same storage.
    API_RATE_LIMIT = int(os.environ.get("WBL_API_RATE_LIMIT", "600"))
    # Behind a reverse proxy or load balancer: how many of them to trust for the client's
    # address and scheme (X-Forwarded-For/-Proto, Werkzeug's ProxyFix). 0 when clients connect
    # directly. Without it, throttling sees every client at the proxy's address.
    PROXY_HOPS = int(os.environ.get("WBL_PROXY_HOPS", "0"))
    # Sign-in throttling: the rules and why, in wbl/auth/throttle.py.
    SIGN_IN_FREE_ATTEMPTS = 5  # per account and address, then a growing delay ...
    SIGN_IN_MAX_DELAY = 15 * 60  # ... of 1, 2, 4 … seconds, up to this between attempts
    SIGN_IN_PAIR_WINDOW = 24 * 60 * 60  # a day after its first attempt, a pair starts afresh
    SIGN_IN_ADDRESS_CEILING = 5000  # failures per address and hour: above a school's NAT
    SIGN_IN_ADDRESS_WINDOW = 60 * 60
    SIGN_IN_ACCOUNT_CEILING = 20  # failures per account and hour from anywhere: then one
    SIGN_IN_ACCOUNT_WINDOW = 60 * 60  # free attempt per address instead of five
    # A reset request takes at least this long, whether or not the account exists.
    PASSWORD_RESET_MIN_SECONDS = 0.25

    # Signed links
    PASSWORD_RESET_MAX_AGE = 60 * 60 * 2  # two hours
    INVITATION_MAX_AGE = 60 * 60 * 24 * 14  # two weeks
    # A sign-up's confirmation link works this long; unconfirmed requests are then forgotten.
    SIGNUP_CONFIRM_MAX_AGE = 60 * 60 * 24 * 3  # three days
    # Sign-ups accepted per address (counted like sign-in attempts: wbl/auth/throttle.py),
    # in the words of Flask-Limiter; a school behind one address may want more.
    SIGNUP_LIMIT = os.environ.get("WBL_SIGNUP_LIMIT", "5 per hour")
    # A guardian has this many days to answer; then the seat goes to the next student.
    CONSENT_DAYS = int(os.environ.get("WBL_CONSENT_DAYS", "7"))
    # Where the app is served: links in e-mails that the scheduler process sends. The
    # county's settings (Administration ▸ County settings) win over this default.
    BASE_URL = os.environ.get("WBL_BASE_URL", "http://127.0.0.1:5000")
    # The program's shared inbox: told of employers' proposals and of new placements.
    PROGRAM_EMAIL = os.environ.get("WBL_PROGRAM_EMAIL", "")

    # The Work Ready Certificate's Open Badges credential is signed (RS256) with the county's
    # RSA private key (a PEM file). Development generates one in the instance folder on first
    # use; production must name an existing file. Keys that signed earlier credentials stay
    # published: their files, separated by ":", in BADGE_PREVIOUS_KEYS. The issuer's id
    # defaults to <base URL>/certificates/issuer; its name is the county's.
    BADGE_KEY_FILE = os.environ.get("WBL_BADGE_KEY_FILE", "")
    BADGE_PREVIOUS_KEYS = os.environ.get("WBL_BADGE_PREVIOUS_KEYS", "")
    BADGE_ISSUER_URL = os.environ.get("WBL_BADGE_ISSUER_URL", "")

    # Single sign-on (OpenID Connect): the providers are listed in a TOML file (README,
    # "Running it for real"; wbl/auth/oidc.py reads it). None configured: password sign-in only.
    SSO_PROVIDERS_FILE = os.environ.get("WBL_SSO_PROVIDERS_FILE", "")
    SSO_TIMEOUT = float(os.environ.get("WBL_SSO_TIMEOUT", "10"))  # seconds per call to a provider

    # /metrics answers Prometheus only with this bearer token; unset, there is no /metrics
    # (docs/monitoring.md).
    METRICS_TOKEN = os.environ.get("WBL_METRICS_TOKEN", "")
    # Logs (docs/logging.md): the level of the app's own records, and their format: text for
    # a person at a terminal, json (one object a line) for a log collector.
    LOG_LEVEL = os.environ.get("WBL_LOG_LEVEL", "INFO")
    LOG_FORMAT = os.environ.get("WBL_LOG_FORMAT", "text")

    DEMO_FOOTER = _bool("WBL_DEMO_FOOTER", default=True)
    # The county's name, time zone and base URL are settings administrators keep in the app
    # (wbl/county); these are their defaults until the first save. No name by default: a new
    # county's administrator is asked for it on the set-up page.
    COUNTY_NAME = os.environ.get("WBL_COUNTY_NAME", "")
    TIMEZONE = os.environ.get("WBL_TIMEZONE", "America/Los_Angeles")
    # Every process keeps the county's settings this many seconds before reading them again.
    COUNTY_CACHE_SECONDS = float(os.environ.get("WBL_COUNTY_CACHE_SECONDS", "10"))
    # After a catalog change a request is served from the previous recommendation index while
    # a thread of the worker builds the new one (wbl/catalog/recommendations.py).
    MATCHING_INDEX_IN_BACKGROUND = True
    # A worker asks whether the catalog changed at most this often (a statement on every
    # student page otherwise); seats and closings are checked on the live rows regardless.
    MATCHING_INDEX_CHECK_SECONDS = 2.0
    # Where a server's workers share the index they build (wbl/catalog/index_files.py); empty:
    # each worker keeps its own.
    MATCHING_INDEX_FOLDER = os.environ.get(
        "WBL_MATCHING_INDEX_FOLDER", str(INSTANCE_DIR / "matching-index")
    )
    # With a shared folder, the index is built by a process of its own, so no web worker
    # keeps the build's libraries (scikit-learn, SciPy) in memory; seconds it may take.
    MATCHING_INDEX_BUILD_PROCESS = True
    MATCHING_INDEX_BUILD_TIMEOUT = float(os.environ.get("WBL_MATCHING_INDEX_BUILD_TIMEOUT", "300"))

    # Locations come from the packaged ZIP table; GEOCODER=nominatim adds street addresses.
    GEOCODER = os.environ.get("GEOCODER", "")
    GEOCODER_DOMAIN = os.environ.get("GEOCODER_DOMAIN", "nominatim.openstreetmap.org")
    GEOCODER_SCHEME = os.environ.get("GEOCODER_SCHEME", "https")
    GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "wbl-work-based-learning")
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "5"))
    GEOCODER_MIN_DELAY = float(os.environ.get("GEOCODER_MIN_DELAY", "1"))

    @classmethod
    def validate(cls) -> None:
        """Refuse a configuration that would be unsafe to serve."""


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False  # the Werkzeug debugger stays off unless FLASK_DEBUG asks for it
    SHOW_OUTBOX = True


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SHOW_OUTBOX = True
    MAIL_SERVER = ""
    SSO_PROVIDERS_FILE = ""  # tests configure their own provider (tests/support/oidc_provider.py)
    COUNTY_NAME = "Test County Office of Education"  # a named county; first-run tests unname it
    COUNTY_CACHE_SECONDS = 24 * 60 * 60  # the tests refresh it (tests/conftest.py)
    MATCHING_INDEX_IN_BACKGROUND = False  # built in place: the test's transaction sees the change
    MATCHING_INDEX_FOLDER = ""  # each test's own index (tests of the shared files set one)
    MATCHING_INDEX_BUILD_PROCESS = False  # another process cannot see a test's transaction
    MATCHING_INDEX_CHECK_SECONDS = 0.0  # every request asks: a test's change is seen at once
    SERVER_NAME = None
    PREFERRED_URL_SCHEME = "http"


class ProductionConfig(Config):
    NAME = "production"
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEMO_FOOTER = _bool("WBL_DEMO_FOOTER", default=False)
    LOG_FORMAT = os.environ.get("WBL_LOG_FORMAT", "json")
    # A database error's message leaves out the statement's values (an e-mail address, a
    # student's name): it is logged, and the logs leave the county's hands (docs/logging.md).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {
        **Config.SQLALCHEMY_ENGINE_OPTIONS,
        "hide_parameters": True,
    }

    @classmethod
    def validate(cls) -> None:
        secret = os.environ.get("SECRET_KEY", "")
        if not secret or secret == _DEV_SECRET or len(secret) < 32:
            raise ConfigError(
                "Production needs SECRET_KEY set to a random value of at least 32 characters."
            )
        if not os.environ.get("DATABASE_URL"):
            raise ConfigError("Production needs DATABASE_URL (postgresql+psycopg://...).")
        cls.SECRET_KEY = secret
        cls.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("WBL_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        choices = ", ".join(CONFIGS)
        raise ConfigError(f"WBL_CONFIG must be one of {choices}, not {name!r}.") from None
