"""Single sign-on with OpenID Connect: the providers the county configured, and the exchange
with one of them, done by Authlib's Flask client.

Districts sign their students and teachers in with Google Workspace, Microsoft Entra ID,
Clever or ClassLink; all of them speak OpenID Connect (the OpenID Connect Core 1.0 and
Discovery 1.0 specifications). The county lists them in a TOML file named by
``WBL_SSO_PROVIDERS_FILE`` (the README's "Running it for real" shows one); each has a name
(its URL: ``/sso/<name>``), a label (its button: "Sign in with <label>"), its issuer URL,
the client id and secret WBL was registered with, the e-mail domains it may sign in and the
roles whose accounts may use it.

Everything about a provider comes from its issuer: the discovery document at
``<issuer>/.well-known/openid-configuration`` (which must name that same issuer) gives the
endpoints and the URL of its keys. Nothing else is fetched and nothing is built in, so a
county's own provider works as well as Google, and the tests run a real one on loopback
(tests/support/oidc_provider.py).

The exchange is the authorization code flow with PKCE (S256), a ``state`` bound to the
browser's session (a callback that another browser started, or that was already used, is
refused) and a ``nonce`` that the ID token must carry back. The ID token's signature is
checked against the provider's published keys (fetched again once when a token names a key
they do not hold: the provider rotated them), and its issuer, audience (our client id, or
``azp`` when there are several), expiry and issue time with a minute's leeway for clocks.
What the token then says about the person is an ``Identity``; whether it opens an account is
``wbl.auth.sso``'s decision.

A failure is an ``SsoProblem`` whose page says what the person can do: the provider did not
answer (502: try again, or use the password), the callback cannot be used (400: start
again), or the answer could not be trusted (400, logged as a warning: a tampered or foreign
token is someone's attempt, or a misconfiguration).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from werkzeug.wrappers import Response

from config import ConfigError
from wbl.access import Role
from wbl.auth.models import normalize_email
from wbl.errors import DomainError, NotFound

if TYPE_CHECKING:  # Authlib, Requests and joserfc load at the first sign-in (_Registry.oauth)
    from authlib.integrations.flask_client import OAuth

log = logging.getLogger(__name__)

_EXTENSION = "wbl.sso"
_CLIENT_PREFIX = "wbl_oidc_"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: Seconds of difference between the provider's clock and ours that a token's times forgive.
LEEWAY = 60
SCOPE = "openid email profile"


@dataclass(frozen=True)
class Provider:
    """One OpenID Connect provider the county configured."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    domains: frozenset[str]
    roles: frozenset[Role]
    #: The boolean claim that says the provider verified the e-mail address. OpenID Connect's
    #: ``email_verified``; Microsoft Entra ID sends ``xms_edov`` instead (an optional claim).
    verified_claim: str = "email_verified"

    def allows_address(self, email: str) -> bool:
        """Whether ``email`` (normalized) is at one of the provider's domains, exactly: a
        sub-domain is another organisation's."""
        local, at, domain = email.rpartition("@")
        return bool(local and at) and domain in self.domains

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says about the person who signed in."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


class SsoProblem(DomainError):
    """Single sign-on did not sign anyone in. ``status`` is the page's HTTP status;
    ``retry`` whether starting again may help."""

    status = 400
    title = "You are not signed in"
    retry = True


class ProviderUnavailable(SsoProblem):
    status = 502
    title = "The sign-in service did not answer"
    message = (
        "The sign-in service did not answer WBL. Try again in a few minutes, or sign in "
        "with your e-mail and password."
    )


class CallbackUnusable(SsoProblem):
    message = (
        "This sign-in has expired, was already used, or was started in another browser. "
        "Start again from the sign-in page."
    )


class ProviderDeclined(SsoProblem):
    message = "The sign-in service did not sign you in. Start again from the sign-in page."


class AnswerUntrusted(SsoProblem):
    message = (
        "WBL could not verify the answer of the sign-in service, so you are not signed in. "
        "Try again; if it happens again, tell your school's CTE office."
    )


# --- configuration ---------------------------------------------------------------------------


def read_providers(path: str | Path, environ: Mapping[str, str]) -> tuple[Provider, ...]:
    """The providers listed in the TOML file at ``path`` (``[[provider]]`` tables); a secret
    may be named by ``client_secret_env`` and read from ``environ`` instead of the file."""
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"WBL_SSO_PROVIDERS_FILE {path}: {error}") from None
    entries = document.get("provider", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: list providers as [[provider]] tables")
    return parse_providers(entries, environ, source=str(path))


def parse_providers(
    entries: list[Any], environ: Mapping[str, str], *, source: str = "SSO providers"
) -> tuple[Provider, ...]:
    """Check every entry and build the providers; the first problem stops the app from
    starting (ConfigError), named with the entry it is in."""
    providers: list[Provider] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}, provider {number}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: not a table")
        provider = _provider(entry, environ, where)
        if any(p.name == provider.name for p in providers):
            raise ConfigError(f"{where}: the name {provider.name!r} is used twice")
        providers.append(provider)
    return tuple(providers)


_KEYS = frozenset(
    {
        "name",
        "label",
        "issuer",
        "client_id",
        "client_secret",
        "client_secret_env",
        "domains",
        "roles",
        "email_verified_claim",
    }
)


def _provider(entry: Mapping[str, Any], environ: Mapping[str, str], where: str) -> Provider:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}")

    def text(key: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {key} is required (text)")
        return value.strip()

    name = text("name")
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{where}: name {name!r}: lower-case letters, digits and -, 32 at most")
    issuer = text("issuer")
    _check_url(issuer, f"{where}: issuer")
    if "client_secret_env" in entry:
        variable = text("client_secret_env")
        secret = environ.get(variable, "")
        if not secret:
            raise ConfigError(f"{where}: the environment variable {variable} is not set")
    else:
        secret = text("client_secret")
    return Provider(
        name=name,
        label=text("label"),
        issuer=issuer,
        client_id=text("client_id"),
        client_secret=secret,
        domains=_domains(entry.get("domains"), where),
        roles=_roles(entry.get("roles"), where),
        verified_claim=(
            text("email_verified_claim") if "email_verified_claim" in entry else "email_verified"
        ),
    )


def _domains(value: object, where: str) -> frozenset[str]:
    """At least one: a provider such as Google signs in anyone with an account there, and
    only the district's own domains are the district's people."""
    if not isinstance(value, list) or not value or not all(isinstance(d, str) for d in value):
        raise ConfigError(f'{where}: domains is required: a list such as ["district.org"]')
    domains = frozenset(d.strip().lower().lstrip("@") for d in value)
    bad = sorted(d for d in domains if not _DOMAIN.fullmatch(d))
    if bad:
        raise ConfigError(f"{where}: not a domain: {', '.join(bad)}")
    return domains


def _roles(value: object, where: str) -> frozenset[Role]:
    names = ", ".join(r.value for r in Role)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: roles is required: a list of {names}")
    try:
        return frozenset(Role(r) for r in value)
    except ValueError:
        raise ConfigError(f"{where}: roles: each one of {names}") from None


def _check_url(url: str, what: str, *, query: bool = False) -> None:
    """HTTPS, except on this machine (development and the tests' provider): a token fetched
    over plain HTTP could be read or changed on the way. An issuer has no query (OpenID
    Connect Discovery, 2); an endpoint may."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" or local) or not parts.hostname or (parts.query and not query):
        raise ConfigError(
            f"{what} {url!r}: an https:// URL" + ("" if query else " without a query")
        )


# --- the registry ----------------------------------------------------------------------------


class _Registry:
    """The configured providers and, from the first sign-in on, Authlib's client registry for
    them. Authlib brings Requests, joserfc and cryptography (over 300 modules, a tenth of a
    second), which every ``flask`` command and every web worker would otherwise import at
    start-up although most never see a sign-in with a provider."""

    def __init__(self, app: Flask, providers: tuple[Provider, ...]) -> None:
        self.app = app
        self.providers = {p.name: p for p in providers}
        self.timeout = app.config["SSO_TIMEOUT"]
        self._oauth: OAuth | None = None
        self._lock = Lock()

    def oauth(self) -> OAuth:
        with self._lock:
            if self._oauth is None:
                self._oauth = self._new_oauth()
            return self._oauth

    def _new_oauth(self) -> OAuth:
        """A new Authlib client registry (which fetches nothing until a sign-in starts)."""
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(self.app)
        for provider in self.providers.values():
            oauth.register(
                _client_name(provider),
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.discovery_url,
                client_kwargs={
                    "scope": SCOPE,
                    "code_challenge_method": "S256",
                    "default_timeout": self.timeout,
                },
            )
        return oauth


def init_app(app: Flask) -> None:
    """Read ``SSO_PROVIDERS_FILE`` (if set) and register its providers."""
    path = app.config.get("SSO_PROVIDERS_FILE")
    configure(app, read_providers(path, os.environ) if path else ())


def configure(app: Flask, providers: tuple[Provider, ...]) -> None:
    """Register ``providers`` in a new registry; Authlib's client registry for them is built
    at the first sign-in. The tests call it again to put their own provider in place."""
    app.extensions[_EXTENSION] = _Registry(app, providers)


def _registry() -> _Registry:
    registry: _Registry = current_app.extensions[_EXTENSION]
    return registry


def _client_name(provider: Provider) -> str:
    """Authlib also reads ``<NAME>_CLIENT_ID`` and the like from the app's configuration: a
    prefix keeps a provider's name from meeting one of ours."""
    return f"{_CLIENT_PREFIX}{provider.name}"


def providers() -> list[Provider]:
    """The configured providers, in the file's order (the sign-in page's buttons)."""
    return list(_registry().providers.values())


def provider_named(name: str) -> Provider:
    provider = _registry().providers.get(name)
    if provider is None:
        raise NotFound()
    return provider


# --- the exchange ----------------------------------------------------------------------------


def begin(provider: Provider, redirect_uri: str) -> Response:
    """Send the browser to the provider to sign in: the redirect carries a new state, nonce
    and PKCE challenge, which Authlib keeps in the session until the callback."""
    import requests

    client = _registry().oauth().create_client(_client_name(provider))
    _forget_pending_sign_ins()
    try:
        _metadata(provider, client)
        response: Response = client.authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError) as error:
        raise _unavailable(provider, error) from None
    return response


def _forget_pending_sign_ins() -> None:
    """Only the latest sign-in a browser started may finish. Authlib keeps each one's state in
    the session (``_state_<client name>_<state>``, with the authorization URL, the PKCE
    verifier and the nonce: about 200 bytes of cookie each, compressed) for an hour; twenty
    abandoned ones would push the session cookie past the 4 KB browsers keep, and the browser
    would drop the session."""
    for key in [k for k in session if k.startswith(f"_state_{_CLIENT_PREFIX}")]:
        session.pop(key)


def finish(provider: Provider) -> Identity:
    """The callback: trade the code for tokens (with the PKCE verifier) and verify the ID
    token. Raises an ``SsoProblem``; never anything else for what the browser or the provider
    sent."""
    if request.args.get("error"):
        log.info(
            "single sign-on with %s: the provider answered %.64r",
            provider.name,
            request.args["error"],
        )
        raise ProviderDeclined()
    import requests
    from authlib.integrations.base_client.errors import MismatchingStateError
    from authlib.integrations.flask_client import OAuthError
    from joserfc.errors import JoseError

    client = _registry().oauth().create_client(_client_name(provider))
    try:
        _metadata(provider, client)
        token = client.authorize_access_token(claims_options=_claims(provider), leeway=LEEWAY)
    except MismatchingStateError:
        log.info("single sign-on with %s: a callback without its state", provider.name)
        raise CallbackUnusable() from None
    except OAuthError as error:  # the token endpoint refused the code (used, expired, …)
        log.warning(
            "single sign-on with %s: the token request was refused: %s", provider.name, error
        )
        raise CallbackUnusable() from None
    except JoseError as error:
        log.warning("single sign-on with %s: ID token refused: %r", provider.name, error)
        raise AnswerUntrusted() from None
    except (requests.RequestException, ValueError) as error:
        raise _unavailable(provider, error) from None
    claims = token.get("userinfo")
    if not claims:
        log.warning("single sign-on with %s: the token answer has no ID token", provider.name)
        raise AnswerUntrusted()
    return _identity(provider, claims)


def _claims(provider: Provider) -> dict[str, dict[str, Any]]:
    """What the ID token must say (OpenID Connect Core, 3.1.3.7); the nonce and ``azp`` are
    checked by Authlib from the session's state."""
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def _identity(provider: Provider, claims: Mapping[str, Any]) -> Identity:
    email = claims.get("email")
    verified = claims.get(provider.verified_claim)
    name = claims.get("name")
    return Identity(
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=normalize_email(email) if isinstance(email, str) else "",
        email_verified=verified is True or verified == "true",
        name=name if isinstance(name, str) else "",
    )


def _metadata(provider: Provider, client: Any) -> dict[str, Any]:
    """The provider's discovery document (Authlib keeps it once read), checked: it must name
    the configured issuer (OpenID Connect Discovery, 4.3), and its endpoints and keys must be
    as safe to reach as the issuer."""
    metadata: dict[str, Any] = client.load_server_metadata()
    problems = []
    if metadata.get("issuer") != provider.issuer:
        problems.append(f"it names the issuer {metadata.get('issuer')!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        try:
            _check_url(str(metadata.get(key) or ""), key, query=True)
        except ConfigError as error:
            problems.append(str(error))
    if problems:
        log.error(
            "single sign-on with %s: the discovery document at %s cannot be used: %s",
            provider.name,
            provider.discovery_url,
            "; ".join(problems),
        )
        client.server_metadata.pop("_loaded_at", None)  # read it again next time
        raise ProviderUnavailable()
    return metadata


def _unavailable(provider: Provider, error: Exception) -> ProviderUnavailable:
    log.warning("single sign-on with %s: the provider did not answer: %r", provider.name, error)
    return ProviderUnavailable()
