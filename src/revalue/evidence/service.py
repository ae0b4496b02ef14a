"""Photo evidence of a trade-in's device: attach a photo, list them, read one back.

A photo is checked before anything is written (an image of a known type, within the size
limit, of the type it was sent as), then its bytes go to the store and then its row, in the
caller's transaction. The bytes are kept exactly as taken, and never logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import State
from revalue.evidence import images, repository
from revalue.evidence.models import EvidencePhoto
from revalue.evidence.store import PhotoStore

MAX_CAPTION = 200  # the column's width

# Until its parcel arrives the device is not in our hands (and a trade-in cancelled or expired
# before then never will be): there is nothing to photograph as evidence. A parcel that has
# arrived while the trade-in is still awaiting shipment or in transit (an empty box held in
# dispute, a parcel the carrier never scanned) is photographed as it is unboxed.
BEFORE_RECEIPT = frozenset({State.QUOTED, State.ACCEPTED, State.CANCELLED, State.EXPIRED})


class DeviceNotReceived(Conflict):
    code = "device_not_received"


class PhotoNotFound(NotFound):
    code = "photo_not_found"


@dataclass(frozen=True)
class Upload:
    """A photo as it arrived: the bytes, the type the client declared, and a caption."""

    data: bytes = field(repr=False)  # evidence is never written to a log
    declared_type: str | None = None
    caption: str = ""

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def attach(
    session: Session,
    store: PhotoStore,
    *,
    trade_in_id: str,
    state: State,
    upload: Upload,
    max_bytes: int,
    ctx: Context,
) -> tuple[EvidencePhoto, bool]:
    """Attach the photo to the trade-in, by ``ctx.actor`` at ``ctx.now``; the record and whether
    it is new. The same photo again is the record it already has."""
    if state in BEFORE_RECEIPT:
        raise DeviceNotReceived(
            f"trade-in {trade_in_id!r} is {state}: its device is photographed once received",
            field="trade_in_id",
            state=str(state),
        )
    caption = upload.caption.strip()
    if len(caption) > MAX_CAPTION:
        raise InvalidInput(f"the caption is longer than {MAX_CAPTION} characters", field="caption")
    image = images.identify(upload.data, declared=upload.declared_type, max_bytes=max_bytes)
    # The file before the row: a rollback after this leaves an unreferenced file in the
    # content store, harmless, but never a row without its file. Storing bytes the store
    # already has changes nothing (and restores a file the store lost).
    sha256 = store.put(upload.data)
    existing = repository.find(session, trade_in_id, sha256)
    if existing is not None:
        return existing, False
    row = EvidencePhoto(
        trade_in_id=trade_in_id,
        sha256=sha256,
        content_type=image.content_type,
        size_bytes=len(upload.data),
        width=image.width,
        height=image.height,
        caption=caption,
        uploaded_by=ctx.actor,
        uploaded_at=ctx.now,
    )
    if not repository.insert(session, row):
        winner = repository.find(session, trade_in_id, sha256)
        assert winner is not None  # the insert was refused because it exists
        return winner, False
    return row, True


def photos(session: Session, trade_in_id: str) -> list[EvidencePhoto]:
    """The trade-in's photos, oldest first."""
    return repository.of_trade_in(session, trade_in_id)


def get(session: Session, trade_in_id: str, sha256: str) -> EvidencePhoto:
    """The trade-in's photo with this hash. Bytes stored for another trade-in are not this
    trade-in's evidence: the same 404 as bytes that do not exist."""
    row = repository.find(session, trade_in_id, sha256)
    if row is None:
        raise PhotoNotFound(f"trade-in {trade_in_id!r} has no photo {sha256!r}", field="sha256")
    return row


def attached(session: Session, trade_in_id: str, sha256s: Iterable[str]) -> set[str]:
    """Which of the hashes are photos of this trade-in (to check what a finding cites)."""
    return repository.attached(session, trade_in_id, set(sha256s))
