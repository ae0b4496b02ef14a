"""The staff console's frame: sign-in and sign-out, the home page, and what every console page
shares (the signed-in staff member, their CSRF token, the role-aware navigation, the program
picker, and the browser's answer to a refusal).

The console signs in with the same service as ``POST /auth/login`` (rate limit and audit
included) and keeps the session in the same cookie. The session stores only a digest of its
CSRF token, so the token itself travels in a second cookie (Secure, HttpOnly, SameSite=Strict:
no other site can read or send it) from which pages write it into every form and into htmx's
headers. A forged request carries neither.

Console routes use ``PageRoute``: a browser (``Accept: text/html``) that is not signed in is
sent to the sign-in page, and one refused or pointed at nothing gets an HTML page; every other
caller gets the API's JSON errors, exactly as the access matrix expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from revalue.access import audit, authn, sessions
from revalue.domain.access import ALL_STAFF, Kind, Principal, Role
from revalue.domain.context import Context
from revalue.domain.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    RevalueError,
    Unauthenticated,
)
from revalue.http.auth import Grant, allow
from revalue.http.deps import context, read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.programs import repository as programs_repository
from revalue.programs.models import Program
from revalue.web import render
from revalue.web.render import money, when

CSRF_COOKIE = "revalue_csrf"
PROGRAM_COOKIE = "revalue_program"
LOGIN = "/console/login"
HOME = "/console"
A, PM, SA, R = Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.RECEIVER
INS, T, F, AU = Role.INSPECTOR, Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR

# The console's sections, in order, and the roles each one serves.
NAV: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("Receiving", "/console/receiving", frozenset({A, R, SA})),
    ("Inspection", "/console/inspection", frozenset({A, SA, INS})),
    ("Queues", "/console/queues", frozenset({A, PM, R, INS, T, F, AU})),
    ("Dashboard", "/console/dashboard", frozenset({A, PM, F, AU})),
)
HTML = {"text/html": {"schema": {"type": "string"}}}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# The page is HTML; what a guard or a bad request answers an API client keeps its JSON shape
# (a browser gets an HTML page or the sign-in redirect instead).
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": ERROR_REF}, **HTML},
    }
    for status, spec in ERROR_RESPONSES.items()
} | {200: {"description": "The page", "content": HTML}}


def wants_html(request: Request) -> bool:
    """A browser navigating (or htmx fetching a fragment), not an API client."""
    return "text/html" in request.headers.get("accept", "")


class PageRoute(APIRoute):
    """A console route: refusals become the browser's redirect or page (see the module)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (Unauthenticated, Forbidden, NotFound) as exc:
                if not wants_html(request):
                    raise
                return refusal(request, exc)

        return page_handler


def pages_router() -> APIRouter:
    """The router every console module uses."""
    return APIRouter(responses=RESPONSES, tags=["pages"], route_class=PageRoute)


router = pages_router()
# The console's cookies go to the console's pages only: a staff member's browser does not send
# its session to the public portal (whose forms carry no CSRF token) or to the JSON API.
COOKIE_PATH = "/console"


def refusal(request: Request, exc: RevalueError) -> Response:
    if isinstance(exc, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = HOME
        response: Response = RedirectResponse(f"{LOGIN}?next={quote(target)}", status_code=303)
        if request.headers.get("hx-request"):  # htmx: a whole-page visit, not a fragment swap
            response = Response(status_code=200, headers={"HX-Redirect": LOGIN})
        # An expired or revoked session's cookie goes, so the sign-in page opens at once.
        response.delete_cookie(
            authn.COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
        )
        return response
    status = 403 if isinstance(exc, Forbidden) else 404
    return render.page(
        request,
        "console/refused.html",
        status=status,
        staff=None,
        nav=[],
        csrf_token="",
        heading="Not allowed" if status == 403 else "Not found",
        message=exc.message,
    )


# --- the signed-in staff member ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Staff:
    """Who is signed in, what they may open, and the program they work in now."""

    who: Principal
    csrf_token: str
    programs: list[Program]  # the programs they hold roles in (every one for an admin)
    program: Program | None  # the one picked (or the only one)

    @property
    def email(self) -> str:
        return self.who.actor.removeprefix("staff:")

    def holds(self, roles: Iterable[Role], program_id: str | None = None) -> bool:
        """Whether they hold one of the roles (in the program, or anywhere)."""
        wanted = frozenset(roles)
        if program_id is not None:
            return bool(wanted & self.who.roles_in(program_id))
        return any(wanted & held for held in self.who.roles.values())

    def nav(self, current: str) -> list[dict[str, Any]]:
        return [
            {"label": label, "href": href, "current": current == label}
            for label, href, roles in NAV
            if self.holds(roles)
        ]


def staff_of(request: Request, grant: Grant, session: Session) -> Staff:
    """The signed-in staff member of a console page whose guard let them through."""
    who = grant.who
    if who is None or who.kind is not Kind.STAFF:
        raise Forbidden("the console is for staff: sign in with your staff account")
    rows = programs_repository.list_all(session)
    mine = [p for p in rows if who.everywhere or who.roles.get(p.id)]
    asked = request.query_params.get("program") or request.cookies.get(PROGRAM_COOKIE)
    program = next((p for p in mine if p.id == asked), None)
    if program is None and len(mine) == 1:
        program = mine[0]
    return Staff(who, request.cookies.get(CSRF_COOKIE, ""), mine, program)


def show(
    request: Request,
    template: str,
    staff: Staff,
    *,
    section: str = "",
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A console page: the frame's values (navigation, CSRF token, helpers) and the page's."""
    return render.page(
        request,
        template,
        program=staff.program,
        status=status,
        staff=staff,
        nav=staff.nav(section),
        csrf_token=staff.csrf_token,
        when=when,
        money=money,
        **values,
    )


def write(request: Request, work: Callable[[Session, Context], Any]) -> Any:
    """A page's write: the work in one transaction, as ``perform`` runs it for the API (a
    browser's form has no idempotency key; the services refuse a repeated step)."""
    ctx = context(request)
    with state(request).sessions.begin() as session:
        return work(session, ctx)


def field_error(exc: RevalueError) -> str | None:
    field = exc.details.get("field")
    return str(field) if field else None


async def form_of(request: Request) -> dict[str, Any]:
    """A posted form as a dict (repeated fields as lists); Starlette keeps it once read."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


# --- sign-in, sign-out, home ------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a console path of this site: never a redirect to somewhere else."""
    if not target:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return HOME
    return target


def _login_page(request: Request, *, status: int = 200, error: str = "", email: str = ""):
    return render.page(
        request,
        "console/login.html",
        status=status,
        staff=None,
        nav=[],
        csrf_token=request.cookies.get(CSRF_COOKIE, ""),
        next=_safe_next(request.query_params.get("next")),
        error=error,
        email=email,
    )


@router.get(LOGIN, response_class=HTMLResponse)
def console_login_form(request: Request, grant: Grant = Depends(allow(public=True))):
    """The sign-in page: email and password."""
    return _login_page(request)


@router.post(LOGIN, response_class=HTMLResponse)
async def console_login(request: Request, grant: Grant = Depends(allow(public=True))):
    """Sign in with the same checks as ``POST /auth/login`` (rate limit, audit); 303 to
    ``next`` (a console path) with the session cookie and its CSRF token's cookie."""
    form = await form_of(request)
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")) or None)
    st, ctx = state(request), context(request)
    with st.read_sessions() as session:
        try:
            sessions.check_rate(session, email=email, client=authn.client_of(request), now=ctx.now)
        except RateLimited as exc:
            st.audit(request, "login_throttled", 429, email, {})
            return _login_page(request, status=429, error=exc.message, email=email)
        user = sessions.check_password(session, email, password) if email else None
        user_id = None if user is None else user.id
    if user_id is None:
        st.audit(request, audit.LOGIN_FAILED, 401, email, {})
        error = "Wrong email or password, or the account is disabled."
        return _login_page(request, status=401, error=error, email=email)
    hours = st.settings.session_hours
    with st.sessions.begin() as session:
        signed = sessions.open_session(session, user_id, password=password, hours=hours, ctx=ctx)
        token, csrf = signed.token, signed.csrf_token
    st.audit(request, "login", 200, email, {})
    response = RedirectResponse(target, status_code=303)
    for name, value in ((authn.COOKIE, token), (CSRF_COOKIE, csrf)):
        response.set_cookie(
            name,
            value,
            max_age=hours * 3600,
            secure=True,
            httponly=True,
            samesite="strict",
            path=COOKIE_PATH,
        )
    return response


@router.post("/console/logout", response_class=HTMLResponse)
def console_logout(request: Request, grant: Grant = Depends(allow(*ALL_STAFF))):
    """Sign out: this browser's session ends at once; back to the sign-in page."""
    token = request.cookies.get(authn.COOKIE)
    if token:
        ctx = context(request)
        with state(request).sessions.begin() as session:
            sessions.close(session, token, ctx.now)
    response = RedirectResponse(LOGIN, status_code=303)
    for name in (authn.COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
        )
    return response


@router.get(HOME, response_class=HTMLResponse)
def console_home(
    request: Request,
    grant: Grant = Depends(allow(*ALL_STAFF)),
    session: Session = Depends(read_session),
):
    """The console's home: the sections the staff member's roles open, and the program
    picker when they work in several programs (``?program=ID`` picks one and remembers it)."""
    staff = staff_of(request, grant, session)
    response = show(request, "console/home.html", staff)
    remember_program(request, staff, response)
    return response


def remember_program(request: Request, staff: Staff, response: Response) -> None:
    """A program picked with ``?program=`` is remembered for the next pages."""
    if staff.program is not None and request.query_params.get("program") == staff.program.id:
        response.set_cookie(
            PROGRAM_COOKIE,
            staff.program.id,
            secure=True,
            httponly=True,
            samesite="strict",
            path="/console",
        )
