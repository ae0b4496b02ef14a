"""The app factory: settings, database, routers, error handlers, and a bare liveness probe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, text

from revalue import __version__
from revalue.access import authn
from revalue.access.api import router as access_router
from revalue.catalog.api import router as catalog_router
from revalue.certificates.api import router as certificates_router
from revalue.certificates.pages import router as certificate_pages_router
from revalue.config import Settings, get_settings
from revalue.customers.api import router as customers_router
from revalue.db import make_engine, make_sessionmaker, read_only
from revalue.events.api import router as events_router
from revalue.grading.api import router as grading_router
from revalue.http import auth, errors
from revalue.http.auth import Grant, allow
from revalue.http.deps import AppState, system_clock
from revalue.identity.api import router as identity_router
from revalue.logistics.batches_api import router as batches_router
from revalue.logistics.receiving_api import router as receiving_router
from revalue.logistics.shipments_api import router as shipments_router
from revalue.logistics.sites_api import router as sites_router
from revalue.lots.api import router as lots_router
from revalue.payouts.api import router as payouts_router
from revalue.payouts.ledger_api import router as ledger_router
from revalue.payouts.redeem_api import router as redeem_router
from revalue.programs.api import router as programs_router
from revalue.quotes.api import router as quotes_router
from revalue.recovery.environment_api import router as environment_router
from revalue.recovery.inventory_api import router as inventory_router
from revalue.recovery.market_api import router as market_router
from revalue.recovery.planning_api import router as planning_router
from revalue.recovery.reports_api import router as reports_router
from revalue.recovery.repricing_api import router as repricing_router
from revalue.recovery.sales_api import router as sales_router
from revalue.recovery.setup_api import router as recovery_setup_router
from revalue.recovery.workorders_api import router as work_orders_router
from revalue.tradeins.api import router as tradeins_router
from revalue.web import (
    assets,
    console_inspection,
    console_queues,
    console_receiving,
    console_tradein,
    dashboard,
    portal,
)
from revalue.web import console as console_pages

DESCRIPTION = """
Revalue runs a device trade-in program end to end: catalog, programs and price books,
instant itemized quotes, the trade-in lifecycle, and a hash-chained custody log.

Money is integer minor units plus an ISO 4217 currency; times are UTC. Errors are JSON
`{code, message, details}`. Writes accept an `Idempotency-Key` header: a repeat returns the
first result and changes nothing.

Credentials go in `Authorization: Bearer <secret>`: a staff session (`rvs_`, from
`POST /auth/login` with `bearer: true`), a partner API key (`rvk_`) or a customer's link
token (`rvc_`, returned by `POST /quotes`). The console uses the session cookie instead, and
sends `X-CSRF-Token` with every write. Each operation lists who may call it.
"""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = system_clock,
) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    # The API docs ship their own Swagger UI assets: stores, kiosks and processing sites often
    # run without open internet, where the default CDN-hosted docs page stays blank.
    app = FastAPIOffline(title="Revalue", version=__version__, description=DESCRIPTION)
    sessions = make_sessionmaker(engine)
    audit = authn.audit_hook(sessions, clock)
    app.state.revalue = AppState(
        sessions=sessions,
        read_sessions=make_sessionmaker(read_only(engine)),
        settings=settings,
        clock=clock,
        authenticate=authn.authenticator(sessions, clock, audit),
        audit=audit,
    )
    errors.install(app)
    routers = (
        access_router,
        catalog_router,
        programs_router,
        tradeins_router,
        quotes_router,
        customers_router,
        events_router,
        grading_router,
        identity_router,
        certificates_router,
        certificate_pages_router,
        payouts_router,
        ledger_router,
        redeem_router,
        lots_router,
        sites_router,
        receiving_router,
        batches_router,
        shipments_router,
        recovery_setup_router,
        planning_router,
        work_orders_router,
        environment_router,
        reports_router,
        inventory_router,
        sales_router,
        market_router,
        repricing_router,
    )
    for router in routers:
        app.include_router(router)
    app.include_router(assets.router)
    app.include_router(portal.router)
    for pages in (console_pages, console_receiving, console_tradein, console_inspection):
        app.include_router(pages.router)
    app.include_router(console_queues.router)
    app.include_router(dashboard.router)
    app.mount("/static", assets.STATIC, name="static")

    @app.get("/health", tags=["health"])
    def health(grant: Grant = Depends(allow(public=True))) -> dict:
        """Ready: the database answers."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    auth.document(app)

    return app


class WithLiveness:
    """``GET /livez`` answered before the framework: for load balancers, and the benchmark's
    baseline of what the server alone can do."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"] == "/livez":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/plain")],
                }
            )
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await self.app(scope, receive, send)


def asgi() -> WithLiveness:
    """The entry point ``uvicorn --factory revalue.web.app:asgi`` serves."""
    return WithLiveness(create_app())
