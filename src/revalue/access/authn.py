"""Who is calling: a staff session (cookie or bearer), a partner key, or a customer link.

``Authorization: Bearer <secret>`` carries any of the three, told apart by prefix (``rvs_``
staff session, ``rvk_`` partner key, ``rvc_`` customer link). The console's cookie carries a
staff session; a cookie is sent by the browser on its own, so a state-changing request that
relies on it must also carry the session's CSRF token in ``X-CSRF-Token``. Credentials that
are presented but wrong, expired or revoked are refused (401) and recorded, never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from revalue.access import audit, keys, sessions
from revalue.access.models import ApiKey
from revalue.customers import links
from revalue.domain.access import Kind, Principal
from revalue.domain.errors import Forbidden, Unauthenticated
from revalue.http.auth import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS
from revalue.http.deps import AuditHook, Authenticator

COOKIE = "revalue_session"
# A key's last-used time is written at most this often: a write per request would serialize
# every partner call on SQLite for a figure nobody needs to the second.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def audit_hook(write_sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> AuditHook:
    def record(request: Request, kind: str, status: int, subject: str, detail: dict) -> None:
        audit.record(
            write_sessions,
            now=clock(),
            kind=kind,
            subject=subject,
            client=client_of(request),
            method=request.method,
            path=request.url.path,
            status_code=status,
            detail=detail,
        )

    return record


def authenticator(
    write_sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    record: AuditHook,
) -> Authenticator:
    limiter = keys.RateLimiter()

    def refuse(request: Request, kind: str, subject: str, message: str) -> Unauthenticated:
        record(request, kind, 401, subject, {})
        return Unauthenticated(message)

    def partner(request: Request, session: Session, credential: str, now: datetime) -> Principal:
        key = keys.find(session, credential, now)
        if key is None:
            key_id = credential.removeprefix(keys.PREFIX).partition(".")[0][:40]
            raise refuse(request, "key_invalid", f"key:{key_id}", "unknown or revoked API key")
        limiter.admit(key.id, key.rate_limit_per_minute, now)
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            with write_sessions.begin() as w:
                w.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        return keys.principal(key)

    def staff(request: Request, session: Session, token: str, now: datetime, *, cookie: bool):  # type: ignore[no-untyped-def]
        row = sessions.find(session, token, now)
        if row is None:
            raise refuse(request, "session_invalid", "anonymous", "signed out or expired: sign in")
        who = sessions.principal(row.user)
        unsafe = cookie and request.method not in SAFE_METHODS
        presented = getattr(request.state, "csrf_token", None)
        if unsafe and not sessions.csrf_ok(row, presented):
            record(request, "csrf_failed", 403, who.actor, {})
            raise Forbidden(
                f"a signed-in browser request that changes data needs its session's CSRF "
                f"token, in the {CSRF_HEADER} header or the form field {CSRF_FIELD}",
                field=CSRF_HEADER,
            )
        return who

    def customer(request: Request, session: Session, token: str, now: datetime) -> Principal:
        link = links.find(session, token, now)
        if link is None:
            raise refuse(
                request, "link_invalid", "customer", "this link is unknown, expired or revoked"
            )
        return Principal(kind=Kind.CUSTOMER, actor="customer", trade_in_id=link.trade_in_id)

    def authenticate(request: Request, session: Session) -> Principal | None:
        now = clock()
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, credential = header.partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                raise refuse(request, "credential_malformed", "anonymous",
                              "use the header Authorization: Bearer <token or key>")  # fmt: skip
            if credential.startswith(keys.PREFIX):
                return partner(request, session, credential, now)
            if credential.startswith(sessions.PREFIX):
                return staff(request, session, credential, now, cookie=False)
            if credential.startswith(links.PREFIX):
                return customer(request, session, credential, now)
            raise refuse(request, "credential_malformed", "anonymous", "unknown kind of credential")
        cookie = request.cookies.get(COOKIE)
        if cookie:
            return staff(request, session, cookie, now, cookie=True)
        return None

    return authenticate
