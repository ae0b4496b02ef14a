"""Photo evidence of a trade-in over HTTP: upload, list, and the photo itself.

Staff who handle the device upload; everyone who may see the trade-in may see its evidence,
the customer included (a re-quote shows the photos of what was found).
"""

from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from revalue.domain.access import ALL_STAFF, Role
from revalue.domain.errors import InvalidInput
from revalue.domain.lifecycle import State
from revalue.evidence import images
from revalue.evidence import service as evidence
from revalue.evidence.models import EvidencePhoto
from revalue.evidence.store import FilesystemStore, PhotoStore
from revalue.http.auth import CSRF_HEADER, Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.tradeins import custody, service
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["evidence"])

UPLOADERS = (Role.ADMIN, Role.RECEIVER, Role.INSPECTOR, Role.STORE_ASSOCIATE)
# The multipart envelope around the photo: boundaries, part headers, the caption.
ENVELOPE = 64 * 1024
# A photo's URL names its bytes, which never change: browsers may keep it as long as they like.
CACHE_CONTROL = "private, max-age=31536000, immutable"

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["photo"],
                "properties": {
                    "photo": {
                        "type": "string",
                        "format": "binary",
                        "description": "JPEG, PNG, WebP or HEIC, up to REVALUE_PHOTO_MAX_BYTES",
                    },
                    "caption": {"type": "string", "maxLength": evidence.MAX_CAPTION},
                },
            }
        }
    },
}


class InvalidUpload(InvalidInput):
    code = "invalid_upload"


class PhotoOut(BaseModel):
    sha256: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    caption: str
    uploaded_by: str
    uploaded_at: datetime
    url: str


def store(request: Request) -> PhotoStore:
    """The installation's evidence store (the one place it is chosen)."""
    return FilesystemStore(state(request).settings.evidence_dir)


async def read_upload(request: Request) -> evidence.Upload:
    """The ``photo`` and ``caption`` fields of a multipart body. Reading stops as soon as the
    body outgrows the photo limit, so a huge upload is refused without being taken in."""
    limit = state(request).settings.photo_max_bytes
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidUpload(
            "send the photo as multipart/form-data, in the field 'photo'", field="photo"
        )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + ENVELOPE:
        raise images.too_large(limit)
    if request.cookies and CSRF_HEADER not in request.headers:
        # The guard has already read this browser's form for its CSRF field (http.auth).
        form = await request.form()
    else:
        parser = MultiPartParser(
            request.headers,
            _capped(request, limit + ENVELOPE, limit),
            max_files=1,
            max_fields=2,  # the caption, and a browser form's CSRF token
            max_part_size=ENVELOPE,
        )
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise InvalidUpload(f"the upload is not valid multipart: {exc.message}") from None
    try:
        return await _fields(form)
    finally:
        await form.close()


async def _capped(request: Request, cap: int, limit: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > cap:
            raise images.too_large(limit)
        yield chunk


async def _fields(form: FormData) -> evidence.Upload:
    photo, caption = form.get("photo"), form.get("caption", "")
    if not isinstance(photo, UploadFile):
        raise InvalidUpload("the upload has no file in the field 'photo'", field="photo")
    if not isinstance(caption, str):
        raise InvalidUpload("the caption is text, not a file", field="caption")
    return evidence.Upload(
        data=await photo.read(), declared_type=photo.content_type, caption=caption
    )


def _out(photo: EvidencePhoto) -> PhotoOut:
    return PhotoOut(
        sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        width=photo.width,
        height=photo.height,
        caption=photo.caption,
        uploaded_by=photo.uploaded_by,
        uploaded_at=photo.uploaded_at,
        url=f"/trade-ins/{photo.trade_in_id}/photos/{photo.sha256}",
    )


@router.post(
    "/trade-ins/{trade_in_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    responses={200: {"model": PhotoOut, "description": "The photo was already attached"}},
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def upload_photo(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*UPLOADERS, scope=TRADE_IN)),
    # After the guard: a caller it refuses never has their upload read.
    upload: evidence.Upload = Depends(read_upload),
):
    """Attach a photo of the device as evidence, by its content hash, with who took it and
    when. The device must have been received. The same photo again returns its record."""
    settings = state(request).settings
    with state(request).read_sessions() as s:
        known = evidence.attached(s, trade_in_id, [upload.sha256])

    def work(s: Session, ctx):  # type: ignore[no-untyped-def]
        trade_in = service.get(s, trade_in_id)
        photo, created = evidence.attach(
            s,
            store(request),
            trade_in_id=trade_in_id,
            state=State(trade_in.state),
            upload=upload,
            max_bytes=settings.photo_max_bytes,
            ctx=ctx,
        )
        if created:  # evidence joins the chain of custody: who took which photo, when
            data = {"sha256": photo.sha256, "content_type": photo.content_type}
            custody.note(s, trade_in, "photo", data, ctx)
        return _out(photo)

    fingerprint = f"{upload.sha256}\n{upload.caption}".encode()
    return perform(request, work, payload=fingerprint, status_code=200 if known else 201)


@router.get("/trade-ins/{trade_in_id}/photos", response_model=list[PhotoOut])
def list_photos(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The trade-in's photo evidence, oldest first."""
    return [_out(p) for p in evidence.photos(session, trade_in_id)]


@router.get(
    "/trade-ins/{trade_in_id}/photos/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "The photo, exactly as uploaded; its ETag is its SHA-256",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in images.TYPES
            },
        },
        304: {"description": "Not modified: the ETag sent in If-None-Match"},
    },
)
def get_photo(
    trade_in_id: str,
    sha256: str,
    request: Request,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
) -> Response:
    """One photo of the trade-in's evidence."""
    photo = evidence.get(session, trade_in_id, sha256)
    headers = {
        "ETag": f'"{photo.sha256}"',
        "Cache-Control": CACHE_CONTROL,
        # Served from our origin, uploaded by someone else: never let a browser guess a type.
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match", ""), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = store(request).read(photo.sha256)
    return Response(data, media_type=photo.content_type, headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
