"""Writes: one transaction per request, and ``Idempotency-Key`` replay.

A write sent again with the same key (same method, path and body) gets the first response
back and changes nothing; the same key with another body is refused. The stored response is
written in the same transaction as the change, so a key is never recorded for a write that
rolled back.

A response may carry a secret shown only once (a customer's link token). The secret is left
out of the stored response; a replay gets a fresh one from ``reissue`` instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.http.deps import context, state
from revalue.http.models import IdempotencyRecord

HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class ShownOnce:
    """Top-level response fields holding a secret, and how a replay gets fresh ones."""

    fields: frozenset[str]
    reissue: Callable[[Session, dict, Context], dict]


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class BadIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"


def perform(
    request: Request,
    work: Callable[[Session, Context], Any],
    *,
    payload: BaseModel | bytes | None = None,
    status_code: int = 200,
    once: ShownOnce | None = None,
) -> JSONResponse:
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
        raise BadIdempotencyKey(
            "Idempotency-Key must be 1 to 200 printable characters", field=HEADER
        )
    scope = f"{request.method} {request.url.path}"
    fingerprint = _fingerprint(request, payload)
    sessions = state(request).sessions
    ctx = context(request)
    try:
        with sessions.begin() as session:
            if key is not None:
                replay = _replay(session, key, scope, fingerprint, once, ctx)
                if replay is not None:
                    return replay
            body = _encode(work(session, ctx))
            if key is not None:
                hidden = once.fields if once is not None else frozenset()
                session.add(
                    IdempotencyRecord(
                        key=key,
                        scope=scope,
                        fingerprint=fingerprint,
                        status_code=status_code,
                        body={k: v for k, v in body.items() if k not in hidden},
                        created_at=ctx.now,
                    )
                )
                session.flush()
    except IntegrityError:
        if key is None:
            raise
        # Another request with the same key won the race: answer with its result.
        with sessions.begin() as session:
            replay = _replay(session, key, scope, fingerprint, once, ctx)
        if replay is None:
            raise
        return replay
    return JSONResponse(body, status_code)


def _encode(result: Any) -> Any:
    """The JSON document of a result. A pydantic model is dumped by pydantic itself: the same
    document ``jsonable_encoder`` makes, which walks every value again in Python, several
    times slower for a quote's nested offers and lines."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True)
    return jsonable_encoder(result)


def _replay(
    session: Session,
    key: str,
    scope: str,
    fingerprint: str,
    once: ShownOnce | None,
    ctx: Context,
) -> JSONResponse | None:
    record = session.get(IdempotencyRecord, (key, scope))
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request body",
            field=HEADER,
        )
    body = record.body
    if once is not None:
        body = {**body, **once.reissue(session, body, ctx)}
    return JSONResponse(body, record.status_code, headers={"Idempotent-Replayed": "true"})


def _fingerprint(request: Request, payload: BaseModel | bytes | None) -> str:
    if isinstance(payload, bytes):
        body: Any = hashlib.sha256(payload).hexdigest()
    else:
        body = payload.model_dump(mode="json") if payload is not None else None
    doc = {
        "body": body,
        "query": sorted(request.query_params.multi_items()),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
