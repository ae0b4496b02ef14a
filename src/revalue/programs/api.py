from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from revalue.domain.access import ALL_STAFF, Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import context, read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs import repository, schemas, service

router = APIRouter(prefix="/programs", tags=["programs"], responses=ERROR_RESPONSES)


def _program(session: Session, program_id: str) -> tuple[str, None] | None:
    return (program_id, None) if repository.get(session, program_id) is not None else None


def _missing(program_id: str) -> service.ProgramNotFound:
    return service.ProgramNotFound(f"no program {program_id!r}", field="program_id")


# Operations on one program's data find it from the ``program_id`` path parameter.
PROGRAM = Scope("program_id", _program, _missing)
MANAGERS = (Role.ADMIN, Role.PROGRAM_MANAGER)


@router.get("", response_model=list[schemas.ProgramOut])
def list_programs(
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True)),
    session: Session = Depends(read_session),
) -> list[schemas.ProgramOut]:
    """The programs the caller belongs to."""
    visible = grant.programs()
    return [
        service.to_out(session, p)
        for p in service.list_all(session)
        if visible is None or p.id in visible
    ]


@router.post("", response_model=schemas.ProgramOut, status_code=201)
def create_program(
    body: schemas.ProgramIn, request: Request, grant: Grant = Depends(allow(Role.ADMIN))
):
    return perform(
        request,
        lambda s, ctx: service.to_out(s, service.create(s, body, ctx)),
        payload=body,
        status_code=201,
    )


@router.get("/{program_id}", response_model=schemas.ProgramOut)
def get_program(
    program_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    return service.to_out(session, service.get(session, program_id))


@router.patch("/{program_id}", response_model=schemas.ProgramOut)
def update_program(
    program_id: str,
    body: schemas.ProgramPatch,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    return perform(
        request,
        lambda s, ctx: service.to_out(s, service.update(s, program_id, body, ctx)),
        payload=body,
    )


@router.put("/{program_id}/prices", response_model=schemas.PricesUpdated)
def set_prices(
    program_id: str,
    body: schemas.BasePricesIn,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Upsert base prices (top grade, at release) per variant, in minor units."""
    return _update_prices(request, program_id, body, service.set_base_prices)


@router.post("/{program_id}/prices/derive", response_model=schemas.PricesUpdated)
def derive_prices(
    program_id: str,
    body: schemas.DerivePricesIn,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Seed base prices as a share of each variant's launch price."""
    return _update_prices(request, program_id, body, service.derive_base_prices)


def _update_prices(request: Request, program_id: str, body, update):  # type: ignore[no-untyped-def]
    def work(s, ctx):  # type: ignore[no-untyped-def]
        n = update(s, program_id, body, ctx)
        version = service.get(s, program_id).version
        return {"program_id": program_id, "updated": n, "version": version}

    return perform(request, work, payload=body)


@router.post("/{program_id}/promotions", response_model=schemas.PromotionOut, status_code=201)
def add_promotion(
    program_id: str,
    body: schemas.PromotionIn,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    def work(s, ctx):  # type: ignore[no-untyped-def]
        promo = service.add_promotion(s, program_id, body, ctx)
        return {**body.model_dump(mode="json"), "id": promo.id}

    return perform(request, work, payload=body, status_code=201)


@router.get("/{program_id}/price-list", response_model=list[schemas.PriceListEntry])
def price_list(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    """Today's best offer per priced variant, for partners' price comparison."""
    return service.price_list(session, program_id, context(request).now)
