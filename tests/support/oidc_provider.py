"""A real OpenID Connect provider for the tests, served on loopback in a thread.

It speaks what WBL asks of Google, Entra ID, Clever or ClassLink: a discovery document,
its keys (JWKS), an authorization endpoint with a small "Sign in as …" page, and a token
endpoint that checks the client's secret, the redirect URI and the PKCE verifier before it
issues an RS256 ID token signed with a key made when the provider starts. WBL reaches it
over HTTP like any provider (discovery, keys and token are server-to-server calls from the
app), so the tests exercise the real exchange, not a mock of it.

A test says who signs in (``person``) and how the next ID token goes wrong (``mischief``):
another audience or issuer, expired, another nonce, changed after signing, signed with a
key the provider does not publish, no ID token at all, or a token endpoint that fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from html import escape
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests
import werkzeug.serving
from flask import Flask, Response, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from wbl.access import Role
from wbl.auth.oidc import Provider

CLIENT_ID = "wbl-test-client"
KEY_ID = "test-key-1"


@dataclass(frozen=True)
class Person:
    """Who signs in at the provider."""

    subject: str = "student-0001"
    email: str = "ana.torres@students.srcs.example.org"
    name: str = "Ana Torres"
    email_verified: bool | None = True  # None: the claim is left out


@dataclass(frozen=True)
class Mischief:
    """How the next answer of the token endpoint goes wrong (nothing, by default)."""

    audience: str | list[str] | None = None  # instead of the client id
    azp: str | None = None
    issuer: str | None = None  # in the ID token, instead of the provider's
    lifetime: int = 300  # seconds from now to exp; negative: already expired
    issued_ago: int = 0
    nonce: str | None = None  # instead of the one the authorization request carried
    tampered: bool = False  # the payload changed after signing
    foreign_key: bool = False  # signed by a key the provider does not publish (same kid)
    no_id_token: bool = False
    token_status: int = 200  # e.g. 500: the token endpoint fails
    token_delay: float = 0.0  # seconds before the token endpoint answers
    discovery_issuer: str | None = None  # the discovery document names another issuer
    extra_claims: dict[str, Any] = field(default_factory=dict)  # None leaves a claim out


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    person: Person


class OpenIDProvider:
    """``with OpenIDProvider() as provider:`` serves it on 127.0.0.1 at ``provider.issuer``."""

    def __init__(self) -> None:
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(24)
        self.key = _new_key(KEY_ID)
        self.person = Person()
        self.mischief = Mischief()
        self.denies = False  # the person clicks "Cancel": error=access_denied
        self.token_requests: list[dict[str, str]] = []
        self._grants: dict[str, _Grant] = {}
        self._server: werkzeug.serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.issuer = ""

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> OpenIDProvider:
        self._server = werkzeug.serving.make_server(
            "127.0.0.1", 0, self._app(), threaded=True, request_handler=_QuietHandler
        )
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="openid-provider", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def rotate_key(self, kid: str) -> None:
        """Sign with a new key from now on, and publish only it (as providers rotate)."""
        self.key = _new_key(kid)

    def reset(self) -> None:
        """Between tests: the default person, no mischief, nothing remembered."""
        self.person = Person()
        self.mischief = Mischief()
        self.denies = False
        self.token_requests.clear()
        self._grants.clear()

    # --- what WBL is configured with --------------------------------------------------------

    def provider(self, **overrides: Any) -> Provider:
        """WBL's configuration for this provider (``wbl.auth.oidc.Provider``)."""
        settings: dict[str, Any] = {
            "name": "district",
            "label": "Santa Rosa Schools",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "domains": frozenset({"students.srcs.example.org", "srcs.example.org"}),
            "roles": frozenset({Role.STUDENT, Role.TEACHER}),
        }
        return Provider(**{**settings, **overrides})

    # --- what a person does at the provider ---------------------------------------------------

    def approve(self, authorize_url: str) -> str:
        """Press "Sign in as …" on the authorization page of ``authorize_url`` (a request WBL
        redirected the browser to): the URL the provider sends the browser back to."""
        parts = urlsplit(authorize_url)
        assert f"{parts.scheme}://{parts.netloc}" == self.issuer, authorize_url
        page = requests.get(authorize_url, timeout=5)
        assert page.status_code == 200, page.text
        answer = requests.post(
            f"{self.issuer}/authorize",
            data=dict(parse_qsl(parts.query)),
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    # --- the provider itself ----------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("openid_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            return jsonify(
                issuer=self.mischief.discovery_issuer or self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=["openid", "email", "profile"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
                code_challenge_methods_supported=["S256"],
                claims_supported=["sub", "email", "email_verified", "name"],
            )

        @app.get("/jwks")
        def jwks() -> Response:
            return jsonify(keys=[{**self.key.as_dict(private=False), "alg": "RS256"}])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            values = request.values
            if values.get("client_id") != self.client_id or not values.get("redirect_uri"):
                abort(400, "unknown client or no redirect_uri")
            if values.get("response_type") != "code" or "openid" not in values.get(
                "scope", ""
            ).split(" "):
                abort(400, "the code flow with the openid scope only")
            if values.get("code_challenge_method") != "S256" or not values.get("code_challenge"):
                abort(400, "PKCE with S256 is required")
            if request.method == "GET":
                return self._authorize_page(values.to_dict())
            back = {"state": values.get("state", "")}
            if self.denies:
                back["error"] = "access_denied"
            else:
                code = secrets.token_urlsafe(16)
                self._grants[code] = _Grant(
                    client_id=self.client_id,
                    redirect_uri=values["redirect_uri"],
                    code_challenge=values["code_challenge"],
                    nonce=values.get("nonce"),
                    person=self.person,
                )
                back["code"] = code
            return redirect(f"{values['redirect_uri']}?{urlencode(back)}")

        @app.post("/token")
        def token() -> Any:
            self.token_requests.append(request.form.to_dict())
            time.sleep(self.mischief.token_delay)
            if self.mischief.token_status != 200:
                return Response("the provider is having a bad day", self.mischief.token_status)
            auth = request.authorization
            if (
                auth is None
                or unquote(auth.username or "") != self.client_id
                or unquote(auth.password or "") != self.client_secret
            ):
                return jsonify(error="invalid_client"), 401
            grant = self._grants.pop(request.form.get("code", ""), None)
            if grant is None or request.form.get("grant_type") != "authorization_code":
                return jsonify(error="invalid_grant"), 400
            if request.form.get("redirect_uri") != grant.redirect_uri:
                return jsonify(error="invalid_grant", error_description="redirect_uri"), 400
            if _s256(request.form.get("code_verifier", "")) != grant.code_challenge:
                return jsonify(error="invalid_grant", error_description="code_verifier"), 400
            answer: dict[str, Any] = {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
            }
            if not self.mischief.no_id_token:
                answer["id_token"] = self._id_token(grant)
            return jsonify(answer)

        return app

    def _authorize_page(self, params: dict[str, str]) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in params.items()
        )
        who = escape(f"{self.person.name} ({self.person.email})")
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Test OpenID provider</title></head><body><main>"
            "<h1>Test OpenID provider</h1><p>WBL asks who you are.</p>"
            f'<form method="post" action="/authorize">{hidden}'
            f'<button type="submit">Sign in as {escape(self.person.name)}</button>'
            f"<p>{who}</p></form></main></body></html>"
        )

    def _id_token(self, grant: _Grant) -> str:
        m = self.mischief
        now = int(time.time()) - m.issued_ago
        claims: dict[str, Any] = {
            "iss": m.issuer or self.issuer,
            "sub": grant.person.subject,
            "aud": m.audience if m.audience is not None else grant.client_id,
            "iat": now,
            "exp": now + m.lifetime,
            "email": grant.person.email,
            "name": grant.person.name,
        }
        if grant.person.email_verified is not None:
            claims["email_verified"] = grant.person.email_verified
        if m.azp is not None:
            claims["azp"] = m.azp
        nonce = m.nonce if m.nonce is not None else grant.nonce
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(m.extra_claims)
        claims = {k: v for k, v in claims.items() if v is not None}  # None: left out
        kid = str(self.key.kid)
        key = _new_key(kid) if m.foreign_key else self.key
        token = jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
        if m.tampered:  # the same signature over a payload that says someone else
            header, _, signature = token.split(".")
            changed = {**claims, "email": "someone.else@students.srcs.example.org"}
            payload = _b64(json.dumps(changed).encode())
            token = f"{header}.{payload}.{signature}"
        return token

    def but(self, **changes: Any) -> None:
        """Make the next token go wrong as ``changes`` say (fields of ``Mischief``)."""
        self.mischief = replace(self.mischief, **changes)


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def nobody_listening() -> str:
    """The URL of a port on this machine where nothing answers: a provider that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
