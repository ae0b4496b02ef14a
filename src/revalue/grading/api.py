from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from revalue.domain import grading
from revalue.domain.access import Role
from revalue.domain.errors import Forbidden
from revalue.grading import library, schemas
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform

router = APIRouter(prefix="/grading", tags=["grading"], responses=ERROR_RESPONSES)

# Staff who inspect, or oversee those who do, read scales and try them on a record.
READERS = (Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.INSPECTOR, Role.AUDITOR)
MANAGERS = (Role.ADMIN, Role.PROGRAM_MANAGER)


def _summary(entry: library.Entry) -> dict:
    scale = entry.scale
    return {
        "id": scale.id,
        "version": scale.version,
        "name": scale.name,
        "source": entry.source,
        "program_id": entry.program_id,
        "axes": {a.id: list(a.labels) for a in scale.axes},
    }


@router.get("/scales", response_model=list[schemas.ScaleSummary])
def list_scales(
    grant: Grant = Depends(allow(*READERS)),
    session: Session = Depends(read_session),
):
    """The shipped scales, and every version of the scales loaded for the caller's programs."""
    return [_summary(e) for e in library.list_scales(session, programs=grant.programs())]


@router.get("/scales/{scale_id}", response_model=schemas.ScaleOut)
def get_scale(
    scale_id: str,
    version: str | None = Query(None, max_length=20, description="Default: the latest"),
    grant: Grant = Depends(allow(*READERS)),
    session: Session = Depends(read_session),
):
    """A scale's document: its criteria, and per axis its grades best first."""
    entry = library.find(session, scale_id, version, programs=grant.programs())
    return {**_summary(entry), "document": entry.scale.document}


@router.post("/scales", response_model=schemas.ScaleSummary, status_code=201)
def load_scale(body: schemas.ScaleIn, request: Request, grant: Grant = Depends(allow(*MANAGERS))):
    """Load a program's own scale (``program_id``), or with ``null`` one for every program
    (admins only). A version, once loaded, never changes: load a new version instead."""
    if body.program_id is None:
        if grant.who is not None and Role.ADMIN not in grant.who.everywhere:
            raise Forbidden("only an admin loads a scale for the whole installation")
    else:
        program_id = body.program_id
        grant.require_program(
            program_id,
            lambda: library.UnknownProgram(f"no program {program_id!r}", field="program_id"),
        )

    def work(session, ctx):  # type: ignore[no-untyped-def]
        scale = library.load_scale(session, body.document, program_id=body.program_id, ctx=ctx)
        return _summary(library.Entry(scale, library.LOADED, body.program_id))

    return perform(request, work, payload=body, status_code=201)


@router.post("/preview", response_model=schemas.PreviewOut)
def preview(
    body: schemas.PreviewIn,
    grant: Grant = Depends(allow(*READERS)),
    session: Session = Depends(read_session),
):
    """Grade an inspection record on every shipped scale (or the ones named), with the
    criteria that decided each grade. Nothing is stored."""
    record = body.to_domain(body.category)
    ids = body.scales if body.scales is not None else list(library.shipped_scales())
    programs = grant.programs()
    grades = {
        sid: library.grade_to_dict(
            grading.grade(scale=library.get_scale(session, sid, programs=programs), record=record)
        )
        for sid in ids
    }
    return {"category": body.category, "grades": grades}
