"""One place that turns every error into JSON ``{code, message, details}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from revalue.domain.errors import RevalueError

log = logging.getLogger("revalue.http")

STATUS = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "unauthenticated": 401,
    "forbidden": 403,
    "rate_limited": 429,
}


class ErrorOut(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Credentials missing, wrong, expired or revoked"},
    403: {"model": ErrorOut, "description": "The credentials do not admit this operation"},
    404: {"model": ErrorOut, "description": "Not found"},
    409: {"model": ErrorOut, "description": "Conflict with the current state"},
    422: {"model": ErrorOut, "description": "Invalid input; details name the field"},
    429: {"model": ErrorOut, "description": "Too many requests; see Retry-After"},
}


def error(status: int, code: str, message: str, **details: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "details": details}, status)


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(RevalueError)
    async def _business(_: Request, exc: RevalueError) -> JSONResponse:
        response = error(STATUS[exc.kind], exc.code, exc.message, **exc.details)
        if exc.kind == "unauthenticated":
            response.headers["WWW-Authenticate"] = "Bearer"
        if "retry_after" in exc.details:
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors[:5])
        return error(422, "validation_error", summary, errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return error(
            409,
            "concurrent_update",
            "the record changed meanwhile; nothing was written, read it again and retry",
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error refused a write: %s", type(exc.orig).__name__)
        return error(409, "conflict", "the write conflicts with existing data; nothing was written")
