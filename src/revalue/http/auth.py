"""The guard each API operation declares, in its signature: ``grant: Grant = Depends(allow(...))``.

The guard authenticates the caller (the installation's authenticator, wired in by the app),
checks the operation's policy, and, when the operation works on one program's data, finds that
program from a path parameter. Data of a program the caller does not belong to is answered
with the same 404 as data that does not exist, so existence never leaks across programs; a
caller who sees the program but lacks the role gets 403. Every refusal is recorded for audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Kind, Policy, Principal, Role
from revalue.domain.errors import Forbidden, RevalueError, Unauthenticated
from revalue.http.deps import state

# A browser's state-changing request proves it comes from our own page with the session's CSRF
# token: in this header (scripts, htmx), or in this field of a posted HTML form.
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

# Finds (program id, trade-in id or None) of the data a path parameter names; None if none.
Lookup = Callable[[Session, str], tuple[str, str | None] | None]


@dataclass(frozen=True, slots=True)
class Scope:
    """How an operation finds the program of the data it touches: a path parameter, a lookup,
    and the not-found error the feature answers for a missing (or invisible) one."""

    param: str
    lookup: Lookup
    missing: Callable[[str], RevalueError]


@dataclass(frozen=True, slots=True)
class Grant:
    """What the guard let through: the caller (``None`` for anonymous public calls)."""

    who: Principal | None
    policy: Policy
    operation: str

    def require_program(self, program_id: str, missing: Callable[[], RevalueError]) -> None:
        """For operations that name their program in the body: refuse another program's."""
        if self.who is None:
            return
        if not self.who.sees(program_id):
            raise missing()
        if not self.policy.admits_in(self.who, program_id):
            raise Forbidden(f"{self.operation} needs one of: {who_may(self.policy)}")

    def programs(self) -> frozenset[str] | None:
        """The programs a list shows this caller; ``None``: every program."""
        return None if self.who is None else self.policy.programs(self.who)


class Guard:
    """The dependency ``allow`` builds; the route's one declaration of who may call it."""

    def __init__(self, policy: Policy, scope: Scope | None) -> None:
        self.policy = policy
        self.scope = scope

    async def __call__(self, request: Request) -> Grant:
        # An anonymous call of a public operation needs neither the database nor a thread:
        # answered on the event loop, it keeps the hot path of instant quotes short.
        anonymous = "authorization" not in request.headers and not request.cookies
        if anonymous and self.policy.public and self.scope is None:
            request.state.principal = None
            return Grant(None, self.policy, _operation(request))
        request.state.csrf_token = await _csrf_token(request)
        try:
            return await run_in_threadpool(self.check, request)
        except Exception:
            # Refused: the endpoint never runs, so close the form read above (and the files
            # of an upload) here.
            await request.close()
            raise

    def check(self, request: Request) -> Grant:
        st = state(request)
        operation = _operation(request)
        with st.read_sessions() as session:
            who = st.authenticate(request, session)
            request.state.principal = who
            grant = Grant(who, self.policy, operation)
            if who is None:
                if self.policy.public:
                    return grant
                self._refuse(request, "unauthenticated", 401, None)
                raise Unauthenticated("sign in, or send a valid key or link, to call this")
            if not self.policy.admits_somewhere(who, operation):
                self._refuse(request, "forbidden", 403, who)
                raise Forbidden(f"{operation} needs one of: {who_may(self.policy)}")
            if self.scope is not None:
                self._check_scope(request, session, who, grant)
        return grant

    def _check_scope(self, request: Request, session: Session, who: Principal, grant: Grant):  # type: ignore[no-untyped-def]
        assert self.scope is not None
        value = request.path_params[self.scope.param]
        found = self.scope.lookup(session, value)
        if found is None:
            raise self.scope.missing(value)
        program_id, trade_in_id = found
        hidden = not who.sees(program_id) or (
            who.kind is Kind.CUSTOMER and (trade_in_id is None or trade_in_id != who.trade_in_id)
        )
        if hidden:
            self._refuse(request, "out_of_scope", 404, who, program_id=program_id)
            raise self.scope.missing(value)
        if not self.policy.admits_in(who, program_id):
            self._refuse(request, "forbidden", 403, who, program_id=program_id)
            raise Forbidden(f"{grant.operation} needs one of: {who_may(self.policy)}")

    @staticmethod
    def _refuse(request: Request, kind: str, status: int, who: Principal | None, **detail):  # type: ignore[no-untyped-def]
        state(request).audit(request, kind, status, who.actor if who else "anonymous", detail)


async def _csrf_token(request: Request) -> str | None:
    """The CSRF token a state-changing request presents, from the header or a form field
    (the form is parsed once here; Starlette keeps it for the endpoint)."""
    if request.method in SAFE_METHODS:
        return None
    token = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if token is None and request.cookies and content_type.startswith(FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    return token


def _operation(request: Request) -> str:
    route = request.scope.get("route")
    return route.name if isinstance(route, APIRoute) else request.url.path


def allow(
    *roles: Role,
    partner: bool = False,
    customer: bool = False,
    public: bool = False,
    scope: Scope | None = None,
) -> Guard:
    """Declare who may call an operation: staff roles, and partners, customers or anyone."""
    return Guard(Policy(frozenset(roles), partner, customer, public), scope)


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    methods: frozenset[str]
    path: str
    policy: Policy | None
    route: APIRoute


def operations(app: FastAPI) -> list[Operation]:
    """Every API operation the app serves (routers included), with its declared policy."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            out.append(
                Operation(
                    name=context.name,
                    methods=frozenset(context.methods or ()),
                    path=context.path,
                    policy=policy_of(route),
                    route=route,
                )
            )
    return out


def document(app: FastAPI) -> None:
    """Write each operation's policy into its API docs, from the one declaration."""
    policies = {
        (method.lower(), op.path): op.policy
        for op in operations(app)
        if op.policy is not None
        for method in op.methods
    }
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = generate()
            for path, item in spec.get("paths", {}).items():
                for method, doc in item.items():
                    policy = policies.get((method, path))
                    if policy is not None:
                        said = doc.get("description", "")
                        doc["description"] = f"{said}\n\n**Who may call:** {who_may(policy)}."
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def policy_of(route: APIRoute) -> Policy | None:
    """The policy a route declares, found among its dependencies (for the role-matrix test)."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Guard):
            return dependant.call.policy
        stack.extend(dependant.dependencies)
    return None


def who_may(policy: Policy) -> str:
    """The policy in words, for error messages and the API docs."""
    if policy.public:
        return "anyone"
    names = sorted(str(r) for r in policy.roles)
    if policy.partner:
        names.append("a partner key")
    if policy.customer:
        names.append("the customer's link")
    return ", ".join(names) or "nobody"
