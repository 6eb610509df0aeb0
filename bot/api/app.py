"""The intake API inside `hirebot serve`: routes under /api, the OpenAPI schema at /openapi.json.

FastAPI rather than bare Starlette routes: the pydantic models in `bot.api.models` are at once
the request validation, the response shape and the published OpenAPI schema, so the three can
not drift apart (and schemathesis fuzzes the API against that same schema). It is a sub-app
mounted at /api in the server's Starlette app, wrapped by `RequestGuard` (auth, size limit,
correlation id, audit); the schema is served at the root with the /api prefix on its paths.

The routes are always mounted. Without HIREBOT_API_TOKEN every /api request is answered 503
with a message saying how to switch the API on, so a missing setting is obvious, not a 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Mount, Route

from bot import __version__
from bot.api.guard import MAX_BODY, RequestGuard
from bot.api.models import (
    ApplicantIn,
    ApplicantOut,
    ApplicantPage,
    Problem,
    RoleOut,
    StageOut,
    ValidationProblem,
)
from bot.bootstrap import Hirebot
from bot.domain.errors import FieldErrors, InvalidMove, NotFound, PermissionDenied, UserError
from bot.domain.stages import StageKind
from bot.runtime.metrics import Metrics
from bot.services import applicants as applicant_service
from bot.services import intake
from bot.services.context import Context

log = logging.getLogger(__name__)

PREFIX = "/api"
TITLE = "hirebot intake API"
DESCRIPTION = (
    "Add applicants from outside chat (careers page, job board, ATS webhook) and read the "
    "pipeline. Every request needs `Authorization: Bearer <HIREBOT_API_TOKEN>`. Bodies are "
    f"limited to {MAX_BODY // 1024} KiB. A POST with an `Idempotency-Key` header can be retried "
    "safely: the retry returns the first result. Every response carries `X-Correlation-Id`, "
    "the id the audit log and the server's log lines use for that request."
)
MAX_ID = 2**31 - 1
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing or wrong bearer token"},
    413: {"model": Problem, "description": f"body over {MAX_BODY // 1024} KiB"},
    422: {"model": ValidationProblem, "description": "one message per bad field"},
    503: {"model": Problem, "description": "the API is switched off (no HIREBOT_API_TOKEN)"},
}


def _status_of(exc: UserError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, InvalidMove):
        return 409
    return 422


def _field_name(loc: tuple[int | str, ...]) -> str:
    """('body', 'skills', 3) -> 'skills'; ('query', 'page') -> 'page'; ('body',) -> 'body'."""
    parts = [str(p) for p in loc[1:] if not isinstance(p, int)] if len(loc) > 1 else []
    return parts[0] if parts else str(loc[0])


def _problem(
    request: Request, status: int, message: str, fields: dict[str, str] | None = None
) -> JSONResponse:
    request.state.error = message
    body: dict[str, Any] = {"error": message}
    if status == 422:
        body["fields"] = fields or {}
    return JSONResponse(body, status_code=status)


class IntakeAPI:
    """Builds the FastAPI app over one Hirebot; `on_commit` wakes delivery after a write."""

    def __init__(
        self,
        hirebot: Hirebot,
        metrics: Metrics,
        on_commit: list[Callable[[], None]],
    ) -> None:
        self.hirebot = hirebot
        self.metrics = metrics
        self.on_commit = on_commit
        self.app = self._build()
        self._schema: dict[str, Any] | None = None

    def routes(self) -> list[BaseRoute]:
        guarded = RequestGuard(self.app, self.hirebot, self.metrics, self.hirebot.env.api_token)
        return [
            Route("/openapi.json", self._openapi, methods=["GET"], include_in_schema=False),
            Mount(PREFIX, app=guarded),
        ]

    # schema --------------------------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        if self._schema is None:
            schema = get_openapi(
                title=TITLE, version=__version__, description=DESCRIPTION, routes=self.app.routes
            )
            schema["paths"] = {PREFIX + p: v for p, v in schema.get("paths", {}).items()}
            self._schema = schema
        return self._schema

    async def _openapi(self, _request: Request) -> JSONResponse:
        return JSONResponse(self.openapi())

    # app -----------------------------------------------------------------------------

    @contextmanager
    def _context(self, request: Request) -> Iterator[Context]:
        with self.hirebot.uow() as uow:
            yield Context(
                uow,
                # roles opened, changed or closed by any process count from this request on
                self.hirebot.source.current(uow),
                self.hirebot.clock,
                intake.api_actor(),
                request.state.correlation_id,
                self.hirebot.channels,
            )

    def _out(self, applicant: Any) -> ApplicantOut:
        return ApplicantOut.of(applicant, self.hirebot.catalog.roles.get(applicant.role.key))

    def _build(self) -> FastAPI:
        app = FastAPI(
            title=TITLE,
            version=__version__,
            description=DESCRIPTION,
            openapi_url=None,
            docs_url=None,
            redoc_url=None,
        )
        bearer = Security(HTTPBearer(auto_error=False, description="HIREBOT_API_TOKEN"))

        async def user_error(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, UserError)
            fields = exc.fields if isinstance(exc, FieldErrors) else None
            message = "invalid input" if fields else exc.message
            return _problem(request, _status_of(exc), message, fields)

        async def validation_error(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, RequestValidationError)
            fields: dict[str, str] = {}
            for error in exc.errors():
                name = _field_name(tuple(error.get("loc", ("body",))))
                fields.setdefault(name, str(error.get("msg", "invalid")))
            return _problem(request, 422, "invalid input", fields)

        async def http_error(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, StarletteHTTPException)
            if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8 JSON)
                fields = {"body": "the body is not valid UTF-8 JSON"}
                return _problem(request, 422, "invalid input", fields)
            response = _problem(request, exc.status_code, str(exc.detail))
            response.headers.update(exc.headers or {})
            return response

        app.add_exception_handler(UserError, user_error)
        app.add_exception_handler(RequestValidationError, validation_error)
        app.add_exception_handler(StarletteHTTPException, http_error)

        @app.post(
            "/applicants",
            status_code=201,
            response_model=ApplicantOut,
            dependencies=[bearer],
            summary="Add an applicant; posts their card to the role's channels",
            responses={
                200: {
                    "model": ApplicantOut,
                    "description": "already on file (same role and email)",
                },
                201: {"description": "created; the card is queued for the role's channels"},
                **_ERRORS,
            },
        )
        def create_applicant(
            body: ApplicantIn,
            request: Request,
            response: Response,
            idempotency_key: Annotated[
                str | None,
                Header(
                    alias="Idempotency-Key",
                    min_length=1,
                    max_length=255,
                    pattern=r"^[\x21-\x7e]+$",
                    description="makes a retried POST return the first result",
                ),
            ] = None,
        ) -> ApplicantOut:
            request_line = f"POST {PREFIX}/applicants"
            for attempt in (1, 2):
                try:
                    with self._context(request) as ctx:
                        result = intake.submit(
                            ctx,
                            body.role,
                            body.form_fields(),
                            idempotency_key=idempotency_key,
                            body_fingerprint=intake.fingerprint(body.model_dump(mode="json")),
                            request_line=request_line,
                        )
                        ctx.uow.commit()
                        out = self._out(result.applicant)
                    break
                except IntegrityError:
                    # A concurrent request with the same key or email won; look again.
                    if attempt == 2:
                        raise
            request.state.audited = True
            log.info(
                "intake API: applicant #%s %s",
                out.id,
                "replayed" if result.replayed else "created" if result.created else "on file",
            )
            for callback in self.on_commit:
                callback()
            response.status_code = 201 if result.created else 200
            if result.replayed:
                response.headers["Idempotent-Replayed"] = "true"
            return out

        @app.get(
            "/applicants",
            response_model=ApplicantPage,
            dependencies=[bearer],
            summary="Applicants, newest first, filtered by role and stage",
            responses=_ERRORS,
        )
        def list_applicants(
            request: Request,
            role: Annotated[str | None, Query(max_length=50, description="role key")] = None,
            stage: Annotated[
                str | None,
                Query(
                    max_length=60,
                    description="a stage key or label, or open, closed or all (default)",
                ),
            ] = None,
            page: Annotated[int, Query(ge=1, le=100_000)] = 1,
            per_page: Annotated[int, Query(ge=1, le=100)] = 20,
        ) -> ApplicantPage:
            with self._context(request) as ctx:
                result = intake.search(
                    ctx, role_key=role, stage=stage, page=page, per_page=per_page
                )
                filters = " ".join(
                    f"{k}={v}" for k, v in (("role", role), ("stage", stage)) if v is not None
                )
                intake.record_request(
                    ctx,
                    f"GET {PREFIX}/applicants {filters} page={page}".replace("  ", " "),
                    status=200,
                    total=result.total,
                )
                ctx.uow.commit()
                items = [self._out(a) for a in result.items]
            request.state.audited = True
            return ApplicantPage(
                items=items,
                total=result.total,
                page=result.page,
                per_page=result.per_page,
                pages=result.pages,
            )

        @app.get(
            "/applicants/{applicant_id}",
            response_model=ApplicantOut,
            dependencies=[bearer],
            summary="One applicant, with email and phone",
            responses={404: {"model": Problem, "description": "no such applicant"}, **_ERRORS},
        )
        def get_applicant(
            request: Request, applicant_id: Annotated[int, Path(ge=1, le=MAX_ID)]
        ) -> ApplicantOut:
            with self._context(request) as ctx:
                applicant = applicant_service.get(ctx, applicant_id)
                intake.record_request(
                    ctx,
                    f"GET {PREFIX}/applicants/{applicant_id}",
                    status=200,
                    applicant_id=applicant.id,
                )
                ctx.uow.commit()
                out = self._out(applicant)
            request.state.audited = True
            return out

        @app.get(
            "/roles",
            response_model=list[RoleOut],
            dependencies=[bearer],
            summary="Configured roles, with applicants per stage",
            responses=_ERRORS,
        )
        def list_roles(request: Request) -> list[RoleOut]:
            with self._context(request) as ctx:
                summaries = intake.roles(ctx)
                intake.record_request(ctx, f"GET {PREFIX}/roles", status=200)
                ctx.uow.commit()
            request.state.audited = True
            return [
                RoleOut(
                    key=s.spec.key,
                    title=s.spec.title,
                    team=s.spec.team,
                    location=s.spec.location,
                    employment_type=s.spec.employment_type.value,
                    summary=s.spec.summary,
                    open_applicants=sum(
                        s.counts[st.key] for st in s.spec.pipeline.stages if st.is_open
                    ),
                    stages=[
                        StageOut(
                            key=st.key,
                            label=st.label,
                            kind=StageKind(st.kind),
                            applicants=s.counts[st.key],
                        )
                        for st in s.spec.pipeline.stages
                    ],
                )
                for s in summaries
            ]

        return app
