"""The booking page (/book/<token>): the offered interview times in the candidate's own
timezone, a pick, a confirmation; and "none of these suit me" to the recruiter.

The times are rendered on the server in the timezone the page is asked for (`?tz=`); the
only script on the pages, static/timezone.js, asks the browser for its timezone once and
reloads with it. Without JavaScript the selector does the same with a button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.errors import InvalidInput, NotFound
from bot.pages.csrf import COOKIE, FIELD
from bot.services import bookings
from bot.services.bookings import BookingUnavailable, BookingView, SlotTaken

if TYPE_CHECKING:
    from bot.pages.app import CareersPages

log = logging.getLogger(__name__)
T = TypeVar("T")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """Area/City names people pick from (no Etc/ or legacy aliases)."""
    return tuple(
        sorted(
            z
            for z in available_timezones()
            if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        )
    )


def _slot_label(start: datetime, minutes: int, tz: str) -> str:
    """'Mon 7 Dec 2026, 10:00 – 11:00 EST' in the candidate's zone."""
    zone = ZoneInfo(tz)
    local, end = start.astimezone(zone), (start + timedelta(minutes=minutes)).astimezone(zone)
    return (
        f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} – {end:%H:%M} {local.tzname() or tz}"
    )


class BookingPages:
    def __init__(self, pages: CareersPages) -> None:
        self.pages = pages

    def _tz(self, request: Request, fallback: str) -> str:
        wanted = request.query_params.get("tz") or ""
        return wanted if wanted in timezones() else fallback

    def _closed(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, BookingUnavailable):
            return self.pages.message(request, 410, exc.title, exc.message)
        assert isinstance(exc, NotFound)
        return self.pages.message(
            request,
            404,
            "This link does not work",
            "It may have been copied only in part. Check it against the message it came in, "
            "or ask the team that sent it for a new one.",
        )

    def _in_uow(self, request: Request, work: Callable[..., T], *args: object) -> T:
        """Run one use case and commit, retrying when a parallel booking won the race."""
        for attempt in (1, 2, 3):
            try:
                with self.pages._context(request) as ctx:
                    ctx.actor = bookings.candidate_actor()
                    result = work(ctx, *args)
                    ctx.uow.commit()
                break
            except (IntegrityError, OperationalError):
                if attempt == 3:
                    raise
        for callback in self.pages.on_commit:
            callback()
        return result

    def _show(
        self,
        request: Request,
        token: str,
        view: BookingView,
        *,
        status: int = 200,
        notice: str = "",
        errors: dict[str, str] | None = None,
        other: str = "",
    ) -> Response:
        csrf = self.pages.csrf
        assert csrf is not None
        pair = csrf.issue(self.pages.hirebot.clock.now(), request.cookies.get(COOKIE))
        tz = self._tz(request, view.offer.timezone)
        response = self.pages.page(
            request,
            "book.html",
            status,
            title=f"Pick a time: {view.role.title}",
            token=token,
            view=view,
            tz=tz,
            timezones=timezones(),
            slots=[(s.isoformat(), _slot_label(s, view.duration_minutes, tz)) for s in view.free],
            notice=notice,
            errors=errors or {},
            other=other,
            csrf_field=FIELD,
            csrf_token=pair.token,
        )
        self.pages.set_csrf_cookie(request, response, pair.cookie)
        return response

    def _view(self, request: Request, token: str) -> BookingView:
        with self.pages._context(request) as ctx:
            return bookings.view(ctx, token)

    async def page(self, request: Request) -> Response:
        if self.pages.site is None:
            return self.pages._switched_off(request)
        token = str(request.path_params["token"])
        try:
            view = await run_in_threadpool(self._view, request, token)
        except (BookingUnavailable, NotFound) as exc:
            return self._closed(request, exc)
        return self._show(request, token, view)

    async def _checked_form(self, request: Request) -> tuple[dict[str, str], bool] | Response:
        """The posted fields, and whether its CSRF token is good; or a page refusing it."""
        address = request.client.host if request.client else "unknown"
        if not self.pages.throttle.allow("book", address):
            return self.pages.message(
                request, 429, "Too many tries", "Please wait a few minutes and try again."
            )
        form = await request.form(max_files=0, max_fields=10, max_part_size=16 * 1024)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        await form.close()
        csrf = self.pages.csrf
        assert csrf is not None
        good = csrf.valid(
            fields.get(FIELD, ""), request.cookies.get(COOKIE), self.pages.hirebot.clock.now()
        )
        return fields, good

    async def _posted(
        self, request: Request, refused: str, kept: str = ""
    ) -> tuple[str, dict[str, str], BookingView] | Response:
        """What a pick and an "other times" post share before they differ: the pages are on,
        the form is read (throttled) and the offer still open; a bad CSRF token shows the
        page again with the `refused` notice, the `kept` field's text still in its box."""
        if self.pages.site is None:
            return self.pages._switched_off(request)
        token = str(request.path_params["token"])
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        fields, good = checked
        try:
            view = await run_in_threadpool(self._view, request, token)
        except (BookingUnavailable, NotFound) as exc:
            return self._closed(request, exc)
        if not good:
            other = fields.get(kept, "") if kept else ""
            return self._show(request, token, view, status=403, other=other, notice=refused)
        return token, fields, view

    async def pick(self, request: Request) -> Response:
        posted = await self._posted(
            request,
            "We could not confirm your pick came from this page. Nothing was booked; "
            "please pick again.",
        )
        if isinstance(posted, Response):
            return posted
        token, fields, view = posted
        slot = fields.get("slot", "")
        if not slot:
            return self._show(
                request, token, view, status=422, errors={"slot": "please pick one of the times"}
            )
        try:
            interview = await run_in_threadpool(self._in_uow, request, bookings.book, token, slot)
        except (BookingUnavailable, NotFound) as exc:
            return self._closed(request, exc)
        except SlotTaken as exc:
            log.info("booking: a time was taken meanwhile")
            view = BookingView(
                view.offer,
                view.role,
                view.stage_label,
                exc.remaining,
                view.duration_minutes,
                view.location,
            )
            return self._show(request, token, view, status=409, notice=exc.message)
        except InvalidInput as exc:
            return self._show(request, token, view, status=422, errors={"slot": exc.message})
        starts = interview.starts_at
        log.info("booking: interview #%s booked from the booking page", interview.id)
        tz = self._tz(request, view.offer.timezone)
        return self.pages.page(
            request,
            "booked.html",
            title="Interview booked",
            view=view,
            when=_slot_label(starts, view.duration_minutes, tz),
        )

    async def other_times(self, request: Request) -> Response:
        posted = await self._posted(
            request,
            "We could not confirm this came from this page. Nothing was sent; "
            "please send it again.",
            kept="other",
        )
        if isinstance(posted, Response):
            return posted
        token, fields, view = posted
        text = fields.get("other", "")
        try:
            await run_in_threadpool(self._in_uow, request, bookings.ask_other_times, token, text)
        except (BookingUnavailable, NotFound) as exc:
            return self._closed(request, exc)
        except InvalidInput as exc:
            return self._show(
                request, token, view, status=422, other=text, errors={"other": exc.message}
            )
        return self.pages.message(
            request,
            200,
            "Message sent",
            "The hiring team has your note and will offer other times. This link keeps "
            "working until then.",
        )
