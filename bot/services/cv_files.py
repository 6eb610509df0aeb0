"""CVs applicants send from the careers page: stored with the applicant, handed out only by
signed links that expire.

A link is `/files/cv/<token>`, the token an itsdangerous signature (HIREBOT_SECRET_KEY) over
the file's id, a prefix of its SHA-256 and an expiry. The expiry is written into the token
from hirebot's own clock rather than itsdangerous's timestamp, so it follows the clock every
other rule follows (a frozen one in tests). The hash prefix makes a token name one file's
content: a token for a file that was erased never opens another that later got its id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from bot.domain.careers import PublicSite
from bot.domain.errors import InvalidInput, NotFound
from bot.services.context import Context
from storage.models import Applicant, ApplicantFile

CV = "cv"
LINK_LIFETIME = timedelta(hours=24)
_SALT = "hirebot.cv-download"


@dataclass(frozen=True)
class Upload:
    """A file checked by content (bot/pages/uploads.py): its MIME type is what it is."""

    filename: str
    content_type: str
    data: bytes


def store(ctx: Context, applicant: Applicant, upload: Upload) -> ApplicantFile:
    """Keep the CV with the applicant, in the caller's transaction."""
    row = ApplicantFile(
        applicant_id=applicant.id,
        kind=CV,
        filename=upload.filename[:200],
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
        created_at=ctx.clock.now(),
    )
    ctx.uow.files.add(row)
    ctx.uow.flush()
    return row


def _serializer(site: PublicSite) -> URLSafeSerializer:
    return URLSafeSerializer(site.secret, salt=_SALT)


def download_link(ctx: Context, site: PublicSite, row: ApplicantFile) -> str:
    """A link to one file that works for LINK_LIFETIME from now."""
    expires = int((ctx.clock.now() + LINK_LIFETIME).timestamp())
    token = _serializer(site).dumps({"f": row.id, "h": row.sha256[:16], "e": expires})
    return site.link(f"/files/cv/{token}")


class LinkExpired(InvalidInput):
    """The link was genuine but is past its lifetime: ask for a new one in chat."""


def open_link(ctx: Context, site: PublicSite, token: str) -> ApplicantFile:
    """The file a token names; NotFound for a forged or erased one, LinkExpired when late."""
    try:
        claims = _serializer(site).loads(token)
    except BadSignature as exc:
        raise NotFound("this link is not valid") from exc
    if not isinstance(claims, dict) or not {"f", "h", "e"} <= claims.keys():
        raise NotFound("this link is not valid")
    if int(claims["e"]) < ctx.clock.now().timestamp():
        raise LinkExpired("this link has expired; run `show` in chat for a new one")
    row = ctx.uow.files.get(int(claims["f"]))
    if row is None or row.sha256[:16] != claims["h"]:
        raise NotFound("this file is no longer available")
    ctx.touch(row.applicant_id)
    return row
