"""RSA signing keys and the JSON documents that name them, as Microsoft serves them.

The Bot Framework signs every activity it sends a bot with a key published at
`login.botframework.com/v1/.well-known/keys` (named by `…/openidconfiguration`); the SDK
fetches that key set with PyJWT and checks the signature, issuer, audience, expiry and the
`serviceurl` claim. A stand-in that signs with its own key, publishes it the same way, and
can sign with a key it does *not* publish, lets a test prove the SDK's check is really on.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(n: int) -> str:
    return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """An RSA key with a `kid`, and a self-signed certificate for the JWKS's `x5c`/`x5t`
    (login.botframework.com publishes both; PyJWT uses only `n`/`e`)."""

    kid: str
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.botframework.com")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        return cls(
            kid=kid or _b64url(hashlib.sha1(der).digest()), private_key=key, certificate=cert
        )

    def jwk(self) -> dict[str, Any]:
        """The key as one entry of `{"keys": [...]}` (Microsoft's shape)."""
        numbers = self.private_key.public_key().public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        out: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": _b64url(hashlib.sha1(der).digest()),
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
            "x5c": [base64.b64encode(der).decode("ascii")],
        }
        if self.endorsements:
            out["endorsements"] = list(self.endorsements)
        return out

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        """An RS256 JWT with this key (`kid` in the header: another key's, to forge one)."""
        headers = {"kid": kid or self.kid, "x5t": self.kid, "typ": "JWT"}
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)


def bot_framework_claims(
    *,
    issuer: str,
    audience: str,
    service_url: str | None,
    expires_in: float = 3600.0,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a token the Bot Framework puts on an activity it sends a bot."""
    t = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "nbf": t - 5,
        "iat": t - 5,
        "exp": int(t + expires_in),
    }
    if service_url is not None:
        claims["serviceurl"] = service_url
    return claims


def entra_app_token(
    key: SigningKey,
    *,
    tenant: str,
    client_id: str,
    audience: str,
    expires_in: int,
    now: float | None = None,
) -> tuple[str, float]:
    """An app-only access token as Microsoft Entra issues one for the bot's own calls
    (client credentials): the token, and when it expires."""
    now = time.time() if now is None else now
    exp = now + expires_in
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tenant}/",
        "iat": int(now),
        "nbf": int(now),
        "exp": int(exp),
        "appid": client_id,
        "appidacr": "1",
        "tid": tenant,
        "idtyp": "app",
        "uti": secrets.token_urlsafe(16),
        "ver": "1.0",
    }
    return key.sign(claims), exp


class PublishedKeys:
    """The Bot Framework's OpenID metadata and key set (plain http, as `[teams]
    openid_metadata_url` may name a stand-in), from a thread of its own: PyJWT fetches them
    with `urllib`, synchronously, from inside the SDK's async handler, so served from the
    test's event loop they would wait for the loop that fetch blocks.

    `keys` is what is published now (append a key to rotate); `requests` the paths asked
    for, in order."""

    def __init__(self, keys: list[SigningKey], *, issuer: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.requests: list[str] = []
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/.well-known/openidconfiguration"

    @property
    def keys_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/.well-known/keys"

    def metadata(self) -> dict[str, Any]:
        """As login.botframework.com serves it."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.keys_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def start(self) -> None:
        published = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                published.requests.append(self.path)
                if self.path == "/v1/.well-known/openidconfiguration":
                    body: dict[str, Any] = published.metadata()
                elif self.path == "/v1/.well-known/keys":
                    body = {"keys": [k.jwk() for k in published.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="teams-standin-keys",
            daemon=True,
        ).start()
        self._server = server

    async def close(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.shutdown)
            server.server_close()
