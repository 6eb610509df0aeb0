"""CSRF protection for the public forms: a signed double-submit token.

No sessions are kept for strangers, so the token is stateless: a random nonce goes into a
`SameSite=Strict`, HttpOnly cookie, and the form carries the same nonce signed with
HIREBOT_SECRET_KEY (itsdangerous) together with an expiry from hirebot's clock. A POST is
accepted only when the signature is good, the time has not run out and the nonce matches the
cookie, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "hirebot_csrf"
FIELD = "csrf_token"
LIFETIME = timedelta(hours=4)
_SALT = "hirebot.csrf"


@dataclass(frozen=True)
class CsrfPair:
    cookie: str  # the nonce, for the cookie
    token: str  # the signed nonce, for the form


class Csrf:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)

    def issue(self, now: datetime, nonce: str | None = None) -> CsrfPair:
        """A token for a form shown now; keeps the visitor's nonce when they have one."""
        nonce = nonce if nonce and len(nonce) == 32 else secrets.token_hex(16)
        expires = int((now + LIFETIME).timestamp())
        return CsrfPair(nonce, self._serializer.dumps({"n": nonce, "e": expires}))

    def valid(self, token: str, cookie: str | None, now: datetime) -> bool:
        if not token or not cookie:
            return False
        try:
            claims = self._serializer.loads(token)
        except BadSignature:
            return False
        if not isinstance(claims, dict) or not isinstance(claims.get("n"), str):
            return False
        if int(claims.get("e", 0)) < now.timestamp():
            return False
        return hmac.compare_digest(claims["n"], cookie)
