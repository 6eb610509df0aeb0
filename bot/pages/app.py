"""The careers pages inside `hirebot serve`: the open roles, each role's description, the
application form, and CV downloads by signed link (docs/careers.md).

Server-rendered Jinja2 (autoescaped: a name typed as `<script>` is shown as text), plain
HTML forms that work without JavaScript, one stylesheet. A submission goes through
`services.applications.apply`, the intake API's own path. The pages are mounted always;
without HIREBOT_PUBLIC_URL each answers 404 with a page saying how to switch them on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from bot.bootstrap import Hirebot
from bot.domain.careers import PublicSite
from bot.domain.catalog import RoleSpec
from bot.domain.errors import FieldErrors, InvalidInput, NotFound
from bot.pages import forms
from bot.pages.booking import BookingPages
from bot.pages.csrf import COOKIE, FIELD, Csrf
from bot.pages.csrf import LIFETIME as CSRF_LIFETIME
from bot.pages.guard import PageGuard
from bot.pages.mount import Prefixed
from bot.pages.throttle import Throttle
from bot.pages.uploads import MAX_BYTES, check_cv
from bot.services import applications, cv_files, intake
from bot.services.context import Context
from bot.services.cv_files import Upload

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PREFIXES = ("/jobs", "/book", "/files", "/static/careers")
MAX_TEXT_PART = 64 * 1024  # one text field; the note's 10,000 characters fit
EMPLOYMENT = {"full_time": "Full time", "contract": "Contract"}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class CareersPages:
    """Builds the pages' app over one Hirebot; `on_commit` wakes delivery after a write."""

    def __init__(
        self,
        hirebot: Hirebot,
        on_commit: list[Callable[[], None]],
        *,
        throttle: Throttle | None = None,
    ) -> None:
        self.hirebot = hirebot
        self.on_commit = on_commit
        self.throttle = throttle or Throttle()
        self.templates = Jinja2Templates(env=_environment())
        self.site: PublicSite | None = hirebot.catalog.public
        self.csrf = Csrf(self.site.secret) if self.site else None
        self.booking = BookingPages(self)
        self.app = PageGuard(self._build(), too_large=self._too_large)

    def routes(self) -> list[BaseRoute]:
        return [Prefixed(PREFIXES, self.app)]

    # app -----------------------------------------------------------------------------

    def _build(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/jobs", self.jobs, methods=["GET"]),
                Route("/jobs/{role}", self.job, methods=["GET"]),
                Route("/jobs/{role}/apply", self.apply_form, methods=["GET"]),
                Route("/jobs/{role}/apply", self.apply, methods=["POST"]),
                Route("/jobs/{role}/applied", self.applied, methods=["GET"]),
                Route("/book/{token}", self.booking.page, methods=["GET"]),
                Route("/book/{token}", self.booking.pick, methods=["POST"]),
                Route("/book/{token}/other", self.booking.other_times, methods=["POST"]),
                Route("/files/cv/{token}", self.download, methods=["GET"]),
                Mount("/static/careers", StaticFiles(directory=HERE / "static")),
            ],
            exception_handlers={HTTPException: self._http_error, Exception: self._crash},
        )

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("title", "")
        context["organization"] = self.hirebot.catalog.organization
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def message(self, request: Request, status: int, title: str, text: str) -> Response:
        return self.page(request, "message.html", status, title=title, text=text)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return self.message(request, 405, "Not allowed", "This page cannot do that.")
        if exc.status_code == 410:
            return self.message(
                request,
                410,
                "Applications are closed",
                "This role no longer takes applications. See the open roles at /jobs.",
            )
        return self.message(
            request, exc.status_code, "Page not found", "There is no page at this address."
        )

    async def _crash(self, request: Request, exc: Exception) -> Response:
        log.exception("careers page failed")
        return self.message(
            request,
            500,
            "Something went wrong",
            "We could not finish this. Nothing was lost on our side; please try again.",
        )

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.message(
            request,
            413,
            "That was too large",
            f"A CV can be at most {MAX_BYTES // 1_000_000} MB. Go back, choose a smaller file "
            "and send the form again.",
        )
        await response(scope, receive, send)

    @contextmanager
    def _context(self, request: Request) -> Iterator[Context]:
        with self.hirebot.uow() as uow:
            yield Context(
                uow,
                self.hirebot.catalog,
                self.hirebot.clock,
                applications.careers_actor(),
                request.state.correlation_id,
                self.hirebot.channels,
            )

    def _switched_off(self, request: Request) -> Response:
        return self.message(
            request,
            404,
            "Careers pages are off",
            "This hirebot does not publish its roles. An administrator switches the pages on "
            "by setting HIREBOT_PUBLIC_URL and HIREBOT_SECRET_KEY.",
        )

    def _role(self, request: Request) -> RoleSpec:
        role = self.hirebot.catalog.roles.get(str(request.path_params["role"]).lower())
        if role is None or not role.posting.published:
            raise HTTPException(404)
        if role.closed:
            raise HTTPException(410)
        return role

    async def _fresh(self) -> None:
        """Roles opened, changed or closed by any process count from this request on."""
        await run_in_threadpool(self.hirebot.fresh_catalog)

    # pages ---------------------------------------------------------------------------

    async def jobs(self, request: Request) -> Response:
        if self.site is None:
            return self._switched_off(request)
        await self._fresh()
        roles = self.hirebot.catalog.published_roles()
        return self.page(
            request, "jobs.html", title="Open roles", roles=roles, employment=EMPLOYMENT
        )

    async def job(self, request: Request) -> Response:
        if self.site is None:
            return self._switched_off(request)
        await self._fresh()
        role = self._role(request)
        return self.page(request, "job.html", title=role.title, role=role, employment=EMPLOYMENT)

    async def apply_form(self, request: Request) -> Response:
        if self.site is None:
            return self._switched_off(request)
        await self._fresh()
        role = self._role(request)
        return self._form(request, role, dict.fromkeys(forms.NAMES, ""), {})

    def _form(
        self,
        request: Request,
        role: RoleSpec,
        values: dict[str, str],
        errors: dict[str, str],
        *,
        status: int = 200,
        notice: str = "",
        consent: bool = False,
    ) -> Response:
        assert self.csrf is not None
        pair = self.csrf.issue(self.hirebot.clock.now(), request.cookies.get(COOKIE))
        order = {name: i for i, name in enumerate((*forms.NAMES, forms.CV, forms.CONSENT))}
        errors = dict(sorted(errors.items(), key=lambda item: order.get(item[0], -1)))
        recruiter = self.hirebot.catalog.people.get(role.recruiter)
        response = self.page(
            request,
            "apply.html",
            status,
            title=f"Apply: {role.title}",
            role=role,
            fields=forms.FIELDS,
            values=values,
            errors=errors,
            notice=notice,
            consent=consent,
            csrf_field=FIELD,
            csrf_token=pair.token,
            max_mb=MAX_BYTES // 1_000_000,
            privacy=self.hirebot.catalog.privacy,
            recruiter=recruiter.name if recruiter else "",
            stage_label=role.pipeline.label,
        )
        self.set_csrf_cookie(request, response, pair.cookie)
        return response

    def set_csrf_cookie(self, request: Request, response: Response, nonce: str) -> None:
        """The nonce half of the CSRF pair, for every form on the pages."""
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=int(CSRF_LIFETIME.total_seconds()),
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )

    async def apply(self, request: Request) -> Response:
        if self.site is None or self.csrf is None:
            return self._switched_off(request)
        await self._fresh()
        role = self._role(request)
        address = request.client.host if request.client else "unknown"
        if not self.throttle.allow("apply", address):
            log.info("careers: applications from one address over the limit")
            response = self.message(
                request,
                429,
                "Too many applications",
                "Too many forms were sent from your network in a short time. Please wait "
                f"{self.throttle.window_minutes} minutes and send it again.",
            )
            response.headers["Retry-After"] = str(self.throttle.window_minutes * 60)
            return response
        try:
            form = await request.form(max_files=1, max_fields=40, max_part_size=MAX_TEXT_PART)
        except HTTPException:
            return self.message(
                request, 400, "The form could not be read", "Please go back and send it again."
            )
        try:
            return await self._submit(request, role, form)
        finally:
            await form.close()

    async def _submit(self, request: Request, role: RoleSpec, form: FormData) -> Response:
        assert self.csrf is not None
        values = forms.values(form)
        consent = form.get(forms.CONSENT) == "yes"
        if str(form.get(forms.HONEYPOT) or "").strip():
            # A bot filled the field people never see: it is told it worked, nothing is kept.
            log.info("careers: a form with the hidden field filled was discarded")
            return RedirectResponse(f"/jobs/{role.key}/applied", status_code=303)
        token = form.get(FIELD)
        if not self.csrf.valid(
            token if isinstance(token, str) else "",
            request.cookies.get(COOKIE),
            self.hirebot.clock.now(),
        ):
            log.info("careers: a form with a missing or wrong CSRF token refused")
            return self._form(
                request,
                role,
                values,
                {},
                status=403,
                consent=consent,
                notice="We could not confirm this form came from this page (it may have been "
                "open too long). Nothing was sent. Check your answers and send it again.",
            )
        problems: dict[str, str] = {}
        if not consent:
            problems[forms.CONSENT] = "please agree to the privacy notice to apply"
        cv: Upload | None = None
        file = forms.upload(form)
        if file is not None:
            data = await file.read(MAX_BYTES + 1)
            try:
                cv = check_cv(file.filename or "", data, file.size)
            except InvalidInput as exc:
                problems[forms.CV] = exc.message
        try:
            submission = await run_in_threadpool(
                self._store, request, role, forms.applicant_fields(values), cv, problems
            )
        except FieldErrors as exc:
            return self._form(
                request,
                role,
                values,
                exc.fields,
                status=422,
                consent=consent,
                notice="Some answers need a change; each is marked below.",
            )
        log.info(
            "careers: applicant #%s %s",
            submission.applicant.id,
            "created" if submission.created else "already on file",
        )
        return RedirectResponse(f"/jobs/{role.key}/applied", status_code=303)

    def _store(
        self,
        request: Request,
        role: RoleSpec,
        fields: dict[str, Any],
        cv: Upload | None,
        problems: dict[str, str],
    ) -> intake.Submission:
        for attempt in (1, 2):
            try:
                with self._context(request) as ctx:
                    submission = applications.apply(ctx, role.key, fields, cv=cv, problems=problems)
                    ctx.uow.commit()
                break
            except IntegrityError:
                # The same email sent twice at once: the other request stored it; look again.
                if attempt == 2:
                    raise
        for callback in self.on_commit:
            callback()
        return submission

    async def applied(self, request: Request) -> Response:
        if self.site is None:
            return self._switched_off(request)
        role = self._role(request)
        return self.page(request, "applied.html", title="Application received", role=role)

    async def download(self, request: Request) -> Response:
        if self.site is None:
            return self._switched_off(request)
        site = self.site
        token = str(request.path_params["token"])

        def fetch() -> tuple[str, str, bytes]:
            with self._context(request) as ctx:
                row = cv_files.open_link(ctx, site, token)
                intake.record_request(
                    ctx,
                    f"GET /files/cv: the CV of #{row.applicant_id}",
                    status=200,
                    applicant_id=row.applicant_id,
                    channel=applications.CAREERS_CHANNEL,
                )
                ctx.uow.commit()
                return row.filename, row.content_type, row.data

        try:
            filename, content_type, data = await run_in_threadpool(fetch)
        except cv_files.LinkExpired as exc:
            return self.message(request, 410, "This link has expired", exc.message)
        except NotFound as exc:
            return self.message(request, 404, "File not available", exc.message.capitalize())
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return Response(
            data,
            media_type=content_type,
            headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
        )
