"""The pages e-mail links open in `hirebot serve`: a candidate's answer to an offer,
unsubscribing from non-essential e-mail, and a person's calendar feed (`/calendar/<token>.ics`,
a wrong token 404).

Opening a link (GET) only shows what it would do, with a button: mail scanners and link
previews fetch links, and must never accept an offer. The button POSTs; the answer is then
recorded exactly as `offer accept|decline` records it (services/offers.py), the recruiter is
told in chat, and the token's digest is written to the audit log, so a link works once. A
forged, altered, expired or used link gets a page saying so, and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar
from urllib.parse import parse_qs

from jinja2 import Environment, StrictUndefined, Template
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Hirebot
from bot.domain.errors import UserError
from bot.links.signing import (
    OFFER_PATH,
    UNSUBSCRIBE_PATH,
    BadLink,
    LinkSigner,
    OfferAnswer,
    digest,
    signer_of,
)
from bot.messages.reply import Reply
from bot.services import audit, offers, people
from bot.services.context import Actor, Context
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
Signed = TypeVar("Signed")  # what a link's token carries (an offer's answer, an applicant)

BODY_MAX = 16 * 1024
# bot.services.calendar_feed.FEED_PATH, restated (tests/integration/test_handling_cost.py keeps
# the two equal): the feed's service builds .ics files with icalendar (2.5 MB, a sixth of a
# second to import), which is loaded with the first feed asked for, not at every start.
FEED_PATH = "/calendar/"
REASON_MAX = 2_000
DEFAULT_REASON = "declined by the link in the offer e-mail"

_PAGE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 2rem auto; line-height: 1.5">
<h1 style="font-size: 1.4rem">{{ title }}</h1>
{% for line in lines %}<p>{{ line }}</p>
{% endfor %}{% if button %}<form method="post">
{% if reason %}<p><label>Would you tell us why? (optional)<br>
<textarea name="reason" rows="4" cols="50" maxlength="2000"></textarea></label></p>{% endif %}
<p><button type="submit">{{ button }}</button></p>
</form>{% endif %}
</body></html>
"""


@cache
def _page() -> Template:
    """The page's template, compiled with the first link opened rather than at every start of
    the server, which mounts these routes whether or not a link is ever opened."""
    return Environment(autoescape=True, undefined=StrictUndefined).from_string(_PAGE_HTML)


def page(
    title: str, lines: list[str], *, status: int = 200, button: str = "", reason: bool = False
) -> HTMLResponse:
    html = _page().render(title=title, lines=lines, button=button, reason=reason)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


class LinkPages:
    def __init__(self, hirebot: Hirebot) -> None:
        self.hirebot = hirebot
        self.signer: LinkSigner | None = signer_of(hirebot.env.public_site())

    def routes(self) -> list[BaseRoute]:
        return [
            Route(OFFER_PATH + "{token}", self._offer, methods=["GET", "POST"]),
            Route(UNSUBSCRIBE_PATH + "{token}", self._unsubscribe, methods=["GET", "POST"]),
            Route(FEED_PATH + "{name}", self._calendar, methods=["GET"]),
        ]

    async def _calendar(self, request: Request) -> Response:
        name: str = request.path_params["name"]
        if not name.endswith(".ics"):
            return Response("not found", status_code=404, media_type="text/plain")
        body = await run_in_threadpool(self._feed, name.removesuffix(".ics"))
        if body is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )

    def _feed(self, token: str) -> bytes | None:
        from bot.services import calendar_feed

        with self.hirebot.uow() as uow:
            return calendar_feed.feed(self._context(uow), token)

    def _context(self, uow: UnitOfWork) -> Context:
        return self.hirebot.context(uow, Actor("system", "e-mail link"))

    def _signed(self, read: Callable[[LinkSigner], Signed]) -> Signed | HTMLResponse:
        """What a link's token signs (`read` from it), or the page that says why the link does
        not work (links are off, the token is forged or expired): every link's pages, shown and
        answered, say it the same way."""
        if self.signer is None:
            return page("Links are off", ["This hirebot does not answer e-mail links."], status=404)
        try:
            return read(self.signer)
        except BadLink as exc:
            return page("This link does not work", [str(exc)], status=400)

    def _committed(self) -> None:
        for callback in self.hirebot.dispatcher.on_commit:  # wakes delivery
            try:
                callback()
            except Exception:
                log.exception("on_commit callback failed")

    async def _form(self, request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > BODY_MAX:
            return {}
        fields = parse_qs(body.decode("utf-8", "replace"))
        return {k: v[0] for k, v in fields.items() if v}

    # offers ----------------------------------------------------------------------------

    async def _offer(self, request: Request) -> Response:
        token = request.path_params["token"]
        if request.method == "GET":
            return await run_in_threadpool(self._show_offer, token)
        form = await self._form(request)
        reason = " ".join(form.get("reason", "").split())[:REASON_MAX]
        return await run_in_threadpool(self._answer_offer, token, reason)

    def _offer_link(self, token: str) -> OfferAnswer | HTMLResponse:
        return self._signed(
            lambda signer: signer.read_offer_answer(token, self.hirebot.clock.now())
        )

    def _show_offer(self, token: str) -> HTMLResponse:
        link = self._offer_link(token)
        if isinstance(link, HTMLResponse):
            return link
        with self.hirebot.uow() as uow:
            if uow.audit.seen(f"link:{digest(token)}"):
                return page("Already answered", ["This link was used already."], status=410)
            offer = uow.offers.get(link.offer_id)
            applicant = uow.applicants.get(offer.applicant_id) if offer else None
            if offer is None or applicant is None or applicant.erased_at is not None:
                return page("This link does not work", ["There is no such offer."], status=404)
            role = self.hirebot.catalog.roles.get(applicant.role.key)
            title = role.title if role else "the role"
            lines = [
                f"Offer for {applicant.name}: {title}.",
                f"{offers.kind_text(offer.employment_type)}, {offers.pay_text(offer)}, "
                f"starting {offer.start_date.isoformat()}.",
            ]
            if offer.status != "approved":
                lines.append(f"This offer is {offer.status.replace('_', ' ')}; nothing to answer.")
                return page("Your offer", lines, status=409)
        if link.answer == "accept":
            return page("Accept your offer", lines, button="Accept the offer")
        return page("Decline your offer", lines, button="Decline the offer", reason=True)

    def _answer_offer(self, token: str, reason: str) -> HTMLResponse:
        link = self._offer_link(token)
        if isinstance(link, HTMLResponse):
            return link
        key = f"link:{digest(token)}"
        try:
            with self.hirebot.uow() as uow:
                if uow.audit.seen(key):
                    return page("Already answered", ["This link was used already."], status=410)
                ctx = self._context(uow)
                try:
                    if link.answer == "accept":
                        decided = offers.accept(ctx, link.offer_id)
                    else:
                        decided = offers.decline(ctx, link.offer_id, reason or DEFAULT_REASON)
                except UserError as exc:
                    return page("Nothing changed", [str(exc)], status=409)
                if not decided.changed:
                    return page(
                        "Already answered", ["Your answer was recorded already."], status=410
                    )
                applicant = decided.applicant
                audit.record(
                    ctx,
                    direction="in",
                    kind="offer.link",
                    channel="email",
                    summary=f"{applicant.name} answered offer #{link.offer_id} by its e-mail "
                    f"link: {link.answer}",
                    applicant_id=applicant.id,
                    dedup_key=key,
                )
                role = ctx.catalog.roles.get(applicant.role.key)
                recruiter = uow.people.by_key(role.recruiter) if role else None
                said = "accepted" if link.answer == "accept" else "declined"
                if recruiter is not None:
                    people.tell(
                        ctx,
                        recruiter,
                        Reply(
                            kind="success",
                            title=f"Offer #{link.offer_id} {said}",
                            text=f"{applicant.name} {said} offer #{link.offer_id} by the link "
                            "in the offer e-mail"
                            + (f": {reason}" if reason and said == "declined" else "."),
                        ),
                        applicant_id=applicant.id,
                    )
                uow.commit()
        except IntegrityError:  # the same link pressed twice at once: one of them won
            return page("Already answered", ["This link was used already."], status=410)
        self._committed()
        if link.answer == "accept":
            return page("Thank you!", ["Your acceptance is recorded. We will be in touch."])
        return page("Thank you", ["Your answer is recorded. Thank you for letting us know."])

    # unsubscribe -----------------------------------------------------------------------

    async def _unsubscribe(self, request: Request) -> Response:
        token = request.path_params["token"]
        if request.method == "GET":
            return await run_in_threadpool(self._show_unsubscribe, token)
        return await run_in_threadpool(self._do_unsubscribe, token)

    def _applicant_of(self, token: str) -> int | HTMLResponse:
        return self._signed(lambda signer: signer.read_unsubscribe(token))

    def _show_unsubscribe(self, token: str) -> HTMLResponse:
        found = self._applicant_of(token)
        if isinstance(found, HTMLResponse):
            return found
        return page(
            "Unsubscribe",
            [
                "You will get no more e-mails like this one. E-mails your application "
                "needs (interview invitations, our decision, an offer) still reach you."
            ],
            button="Unsubscribe",
        )

    def _do_unsubscribe(self, token: str) -> HTMLResponse:
        found = self._applicant_of(token)
        if isinstance(found, HTMLResponse):
            return found
        with self.hirebot.uow() as uow:
            applicant = uow.applicants.get(found)
            if applicant is None or applicant.erased_at is not None:
                return page("Unsubscribed", ["You will get no more e-mails from us."])
            if applicant.unsubscribed_at is None:
                ctx = self._context(uow)
                applicant.unsubscribed_at = ctx.clock.now()
                audit.domain_event(
                    ctx,
                    "candidate.unsubscribed",
                    f"{applicant.name} unsubscribed from non-essential e-mail",
                    applicant.id,
                )
                uow.commit()
        return page("Unsubscribed", ["Done: you will get no more e-mails like that one."])
