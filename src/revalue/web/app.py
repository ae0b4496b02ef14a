"""The app factory: settings, database, routers, error handlers, and a bare liveness probe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, text

from revalue import __version__
from revalue.catalog.api import router as catalog_router
from revalue.config import Settings, get_settings
from revalue.db import make_engine, make_sessionmaker, read_only
from revalue.http import errors
from revalue.http.deps import AppState, system_clock
from revalue.programs.api import router as programs_router
from revalue.quotes.api import router as quotes_router
from revalue.tradeins.api import router as tradeins_router

DESCRIPTION = """
Revalue runs a device trade-in program end to end: catalog, programs and price books,
instant itemized quotes, the trade-in lifecycle, and a hash-chained custody log.

Money is integer minor units plus an ISO 4217 currency; times are UTC. Errors are JSON
`{code, message, details}`. Writes accept an `Idempotency-Key` header: a repeat returns the
first result and changes nothing.
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
    app.state.revalue = AppState(
        sessions=make_sessionmaker(engine),
        read_sessions=make_sessionmaker(read_only(engine)),
        settings=settings,
        clock=clock,
    )
    errors.install(app)
    for router in (catalog_router, programs_router, tradeins_router, quotes_router):
        app.include_router(router)

    @app.get("/health", tags=["health"])
    def health() -> dict:
        """Ready: the database answers."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

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
