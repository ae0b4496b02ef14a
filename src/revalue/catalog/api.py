from dataclasses import asdict

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.catalog import schemas, service
from revalue.domain.access import ALL_STAFF, Role
from revalue.domain.catalog import Category
from revalue.http.auth import Grant, allow
from revalue.http.body import text_body
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform

router = APIRouter(prefix="/catalog", tags=["catalog"], responses=ERROR_RESPONSES)


@router.get("/models", response_model=list[schemas.ModelSummary])
def list_models(
    category: Category | None = None,
    brand: str | None = None,
    q: str | None = Query(None, description="Search in brand and name"),
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> list[schemas.ModelSummary]:
    models = service.list_models(session, category=category, brand=brand, search=q)
    return [schemas.ModelSummary.model_validate(m, from_attributes=True) for m in models]


@router.get("/models/{model_id}", response_model=schemas.ModelOut)
def get_model(
    model_id: str,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> schemas.ModelOut:
    return schemas.ModelOut.model_validate(
        service.get_model(session, model_id), from_attributes=True
    )


@router.get("/variants/{sku}", response_model=schemas.VariantOut)
def get_variant(
    sku: str,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> schemas.VariantOut:
    return schemas.VariantOut.model_validate(
        service.get_variant(session, sku), from_attributes=True
    )


@router.post(
    "/import",
    response_model=schemas.ImportReportOut,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_catalog(
    request: Request,
    skip_invalid: bool = Query(False, description="Import the good rows, report the bad"),
    grant: Grant = Depends(allow(Role.ADMIN)),
):
    """Upsert models and variants from CSV (the format of ``GET /catalog/export``)."""
    raw, text = await text_body(request)

    def work(session, ctx):  # type: ignore[no-untyped-def]
        return asdict(service.import_csv(session, text, skip_invalid=skip_invalid))

    return await run_in_threadpool(perform, request, work, payload=raw)


# ``Response``, not ``PlainTextResponse``: the route's response class sets the media type of
# every documented response, and the errors are JSON. The CSV is documented here instead.
@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The catalog in the import format",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_catalog(
    grant: Grant = Depends(allow(*ALL_STAFF)),
    session: Session = Depends(read_session),
) -> PlainTextResponse:
    return PlainTextResponse(service.export_csv(session), media_type="text/csv")
