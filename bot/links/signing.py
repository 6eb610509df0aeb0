"""Signed links in e-mails: a candidate's answer to an offer, and unsubscribing.

A link carries what it does (offer 12, accept) and when it expires, signed with
`HIREBOT_SECRET_KEY` by itsdangerous (HMAC), so it cannot be forged or altered. The expiry is
checked against hirebot's clock, not the signer's, so a test (or `HIREBOT_CLOCK`) decides what
"expired" means. Single use is the page's business: it records each token's digest once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer

from bot.domain.careers import PublicSite

Answer = Literal["accept", "decline"]
OFFER_LINK_DAYS = 14
OFFER_SALT, UNSUBSCRIBE_SALT = "hirebot.offer-answer", "hirebot.unsubscribe"
OFFER_PATH, UNSUBSCRIBE_PATH = "/links/offer/", "/links/unsubscribe/"


class BadLink(ValueError):
    """The link was altered, forged, or is past its expiry; the message is for the reader."""


@dataclass(frozen=True)
class OfferAnswer:
    offer_id: int
    answer: Answer
    expires: datetime


def digest(token: str) -> str:
    """What is stored about a used token: never the token itself."""
    return sha256(token.encode()).hexdigest()[:32]


class LinkSigner:
    def __init__(self, secret: str, public_url: str) -> None:
        self.base = public_url.rstrip("/")
        self._offers = URLSafeSerializer(secret, salt=OFFER_SALT)
        self._unsubscribe = URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT)

    def offer_answer(self, offer_id: int, answer: Answer, now: datetime) -> str:
        expires = now + timedelta(days=OFFER_LINK_DAYS)
        token = self._offers.dumps({"o": offer_id, "a": answer, "x": expires.isoformat()})
        return f"{self.base}{OFFER_PATH}{token}"

    def read_offer_answer(self, token: str, now: datetime) -> OfferAnswer:
        data = self._load(self._offers, token)
        try:
            answer = OfferAnswer(int(data["o"]), data["a"], datetime.fromisoformat(data["x"]))
        except (KeyError, TypeError, ValueError):
            raise BadLink("this link is not one hirebot made") from None
        if answer.answer not in ("accept", "decline"):
            raise BadLink("this link is not one hirebot made")
        if answer.expires <= now:
            raise BadLink(
                f"this link expired on {answer.expires.date().isoformat()}; "
                "reply to the e-mail and we will send a new one"
            )
        return answer

    def unsubscribe(self, applicant_id: int) -> str:
        return f"{self.base}{UNSUBSCRIBE_PATH}{self._unsubscribe.dumps({'a': applicant_id})}"

    def read_unsubscribe(self, token: str) -> int:
        data = self._load(self._unsubscribe, token)
        try:
            return int(data["a"])
        except (KeyError, TypeError, ValueError):
            raise BadLink("this link is not one hirebot made") from None

    @staticmethod
    def _load(serializer: URLSafeSerializer, token: str) -> dict[str, Any]:
        if len(token) > 500:
            raise BadLink("this link is not one hirebot made")
        try:
            data = serializer.loads(token)
        except BadSignature:
            raise BadLink("this link is not one hirebot made (or it was changed)") from None
        if not isinstance(data, dict):
            raise BadLink("this link is not one hirebot made")
        return data


def signer_of(site: PublicSite | None) -> LinkSigner | None:
    """Links need HIREBOT_PUBLIC_URL and its key; without them e-mails carry none
    (docs/email.md)."""
    return LinkSigner(site.secret, site.url) if site is not None else None
