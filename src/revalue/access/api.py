"""Sign-in and sign-out, who am I, partner API keys, and the security events log."""

from datetime import datetime

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from revalue.access import audit, authn, keys, sessions
from revalue.access.models import ApiKey, StaffUser
from revalue.access.schemas import (
    ApiKeyIn,
    ApiKeyIssued,
    ApiKeyOut,
    LoginIn,
    LoginOut,
    MembershipOut,
    MeOut,
    RotateIn,
    SecurityEventOut,
    SecurityEventPage,
    StaffOut,
)
from revalue.domain.access import ALL_STAFF, Kind, Role
from revalue.domain.errors import RateLimited, Unauthenticated
from revalue.http.auth import Grant, allow, operations
from revalue.http.deps import context, read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs import repository as programs_repository
from revalue.programs import service as programs

router = APIRouter(responses=ERROR_RESPONSES)


class LoginFailed(Unauthenticated):
    code = "login_failed"


MANAGERS = (Role.ADMIN, Role.PROGRAM_MANAGER)


@router.post("/auth/login", response_model=LoginOut, tags=["auth"])
def login(body: LoginIn, request: Request, grant: Grant = Depends(allow(public=True))):
    """Sign in: sets the session cookie (Secure, HttpOnly, SameSite=Strict) and returns the
    CSRF token that cookie-signed writes must send. Failed sign-ins are rate-limited."""
    st, ctx = state(request), context(request)
    email = body.email.strip().lower()
    with st.read_sessions() as session:
        try:
            sessions.check_rate(session, email=email, client=authn.client_of(request), now=ctx.now)
        except RateLimited:
            st.audit(request, "login_throttled", 429, email, {})
            raise
        user = sessions.check_password(session, email, body.password)
        user_id = None if user is None else user.id
    if user_id is None:
        st.audit(request, audit.LOGIN_FAILED, 401, email, {})
        raise LoginFailed("wrong email or password, or the account is disabled")
    hours = st.settings.session_hours
    with st.sessions.begin() as session:
        signed = sessions.open_session(
            session, user_id, password=body.password, hours=hours, ctx=ctx
        )
        out = LoginOut(
            user=_staff_out(signed.user),
            csrf_token=signed.csrf_token,
            expires_at=signed.expires_at,
            token=signed.token if body.bearer else None,
        )
    st.audit(request, "login", 200, email, {})
    response = JSONResponse(out.model_dump(mode="json"))
    response.set_cookie(
        authn.COOKIE,
        signed.token,
        max_age=hours * 3600,
        secure=True,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/auth/logout", tags=["auth"])
def logout(request: Request, grant: Grant = Depends(allow(*ALL_STAFF))) -> JSONResponse:
    """Sign out: the session stops working at once, wherever it is used."""
    header = request.headers.get("authorization", "").partition(" ")[2].strip()
    token = header if header.startswith(sessions.PREFIX) else request.cookies.get(authn.COOKIE)
    ctx = context(request)
    with state(request).sessions.begin() as session:
        sessions.close(session, token or "", ctx.now)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(authn.COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/auth/me", response_model=MeOut, tags=["auth"])
def me(grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True))) -> MeOut:
    """Who the credentials belong to, and what they may reach."""
    who = grant.who
    assert who is not None
    roles = [
        MembershipOut(program_id=p, role=str(r))
        for p, held in sorted(who.roles.items(), key=lambda i: i[0] or "")
        for r in sorted(held)
    ]
    return MeOut(
        kind=str(who.kind),
        actor=who.actor,
        roles=roles,
        programs=sorted(who.programs),
        operations=sorted(who.operations),
        trade_in_id=who.trade_in_id if who.kind is Kind.CUSTOMER else None,
    )


def _staff_out(user: StaffUser) -> StaffOut:
    return StaffOut(
        email=user.email,
        name=user.name,
        roles=[MembershipOut(program_id=m.program_id, role=m.role) for m in user.memberships],
    )


def partner_operations(app: FastAPI) -> frozenset[str]:
    """The operations a partner key may be scoped to: those whose policy admits partners."""
    return frozenset(op.name for op in operations(app) if op.policy and op.policy.partner)


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key, from_attributes=True)


def _reach(grant: Grant, key: ApiKey) -> ApiKey:
    """A key is managed by who may manage every program it is scoped to; others get 404."""
    for program_id in key.program_ids:
        grant.require_program(program_id, lambda: keys.KeyNotFound(f"no API key {key.id!r}"))
    return key


@router.post("/api-keys", response_model=ApiKeyIssued, status_code=201, tags=["api keys"])
def create_key(body: ApiKeyIn, request: Request, grant: Grant = Depends(allow(*MANAGERS))):
    """Issue a partner key scoped to programs and operations; the key is shown only here."""
    for program_id in body.program_ids:
        grant.require_program(
            program_id,
            lambda p=program_id: programs.ProgramNotFound(f"no program {p!r}", field="program_ids"),
        )
    allowed = partner_operations(request.app)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        for program_id in body.program_ids:
            if programs_repository.get(s, program_id) is None:
                raise programs.ProgramNotFound(f"no program {program_id!r}", field="program_ids")
        issued = keys.create(
            s,
            name=body.name,
            program_ids=body.program_ids,
            operations=body.operations,
            allowed_operations=allowed,
            rate_limit_per_minute=body.rate_limit_per_minute,
            ctx=ctx,
        )
        return ApiKeyIssued(**_key_out(issued.key).model_dump(), key=issued.plaintext)

    return perform(request, work, payload=body, status_code=201)


@router.get("/api-keys", response_model=list[ApiKeyOut], tags=["api keys"])
def list_keys(
    grant: Grant = Depends(allow(*MANAGERS, Role.AUDITOR)),
    session: Session = Depends(read_session),
) -> list[ApiKeyOut]:
    """Keys of the caller's programs, with their last-used time; never their secrets."""
    visible = grant.programs()
    return [
        _key_out(k)
        for k in keys.list_all(session)
        if visible is None or set(k.program_ids) <= visible
    ]


@router.post("/api-keys/{key_id}/rotate", response_model=ApiKeyIssued, tags=["api keys"])
def rotate_key(
    key_id: str, body: RotateIn, request: Request, grant: Grant = Depends(allow(*MANAGERS))
):
    """A new secret; the old one keeps working for ``grace_hours``. Shown only here."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        _reach(grant, keys.get(s, key_id))
        issued = keys.rotate(s, key_id, grace_hours=body.grace_hours, ctx=ctx)
        return ApiKeyIssued(**_key_out(issued.key).model_dump(), key=issued.plaintext)

    return perform(request, work, payload=body)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyOut, tags=["api keys"])
def revoke_key(key_id: str, request: Request, grant: Grant = Depends(allow(*MANAGERS))):
    """Revoke at once, old secret included; revoking twice changes nothing."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        _reach(grant, keys.get(s, key_id))
        return _key_out(keys.revoke(s, key_id, ctx))

    return perform(request, work)


@router.get("/audit/security-events", response_model=SecurityEventPage, tags=["audit"])
def security_events(
    kind: str | None = Query(None, examples=["login_failed"]),
    since: datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(Role.ADMIN)),
    session: Session = Depends(read_session),
) -> SecurityEventPage:
    """Sign-ins and refused attempts, newest first."""
    total, rows = audit.listing(session, kind=kind, since=since, limit=limit, offset=offset)
    return SecurityEventPage(
        total=total,
        items=[SecurityEventOut.model_validate(r, from_attributes=True) for r in rows],
    )
