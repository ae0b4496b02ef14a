"""Issuing certificates of sanitization, with the fields of NIST SP 800-88 Rev.1 Appendix G
that the records hold, and finding them again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel
from revalue.certificates import signing
from revalue.certificates.models import Certificate
from revalue.customers import contacts
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.records import SanitizationResult, Verification
from revalue.events import outbox
from revalue.events.notify import OutboxNotifier
from revalue.identity.identifiers import format_imei
from revalue.identity.models import DeviceIdentity
from revalue.ids import new_id
from revalue.tradeins import custody, repository, sanitization
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import Disposition, Sanitization

STANDARD = "NIST SP 800-88 Rev.1"
NOT_RECORDED = "not recorded"


class NoPassingRecord(Conflict):
    code = "sanitization_not_passing"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"


def get(session: Session, certificate_id: str) -> Certificate:
    row = session.get(Certificate, certificate_id)
    if row is None:
        raise CertificateNotFound(f"no certificate {certificate_id!r}", field="certificate_id")
    return row


def of_trade_in(session: Session, trade_in_id: str) -> list[Certificate]:
    stmt = select(Certificate).where(Certificate.trade_in_id == trade_in_id)
    return list(session.scalars(stmt.order_by(Certificate.issued_at, Certificate.id)))


def refusal(record: Sanitization | None) -> str | None:
    """Why the device's latest sanitization record cannot be certified, or None."""
    if record is None or record.result != SanitizationResult.ERASED:
        found = record.result if record else "none"
        return f"a certificate needs a sanitization that fully erased the device (last: {found})"
    verification = Verification(record.verification)
    if verification in (Verification.REQUIRED, Verification.FAILED):
        return (
            f"the erasure record's independent verification is {verification}: a certificate "
            "waits for it to pass"
        )
    return None


def issue(
    session: Session,
    trade_in_id: str,
    *,
    secrets_dir: str,
    ctx: Context,
    public_url: str = "",
) -> Certificate:
    """Sign a certificate for the device's passing sanitization record. Issuing again for the
    same record returns the certificate already issued."""
    trade_in = tradeins.get(session, trade_in_id)
    record = repository.latest_sanitization(session, trade_in.id)
    reason = refusal(record)
    if reason is not None:
        raise NoPassingRecord(reason, field="trade_in_id")
    assert record is not None  # refusal() refuses a missing record
    for existing in of_trade_in(session, trade_in.id):
        if existing.document["certificate"]["sanitization"]["record_id"] == record.id:
            return existing
    certificate_id = new_id("cert", ctx.now)
    model = session.get(DeviceModel, trade_in.model_id)
    identity = session.get(DeviceIdentity, trade_in.id)
    disposition = repository.latest_records(session, Disposition, [trade_in.id])
    media = sanitization.media_of(session, [record.id]).get(record.id, [])
    fields: dict[str, Any] = {
        "certificate_id": certificate_id,
        "kind": "device",
        "standard": STANDARD,
        "issued_at": ctx.now.isoformat(),
        "issued_by": ctx.actor,
        "verification_url": f"/verify/{certificate_id}",
        "program_id": trade_in.program_id,
        "trade_in_id": trade_in.id,
        "device": {
            "manufacturer": model.brand if model else NOT_RECORDED,
            "model": model.name if model else trade_in.model_id,
            "serial_number": (identity and identity.serial) or NOT_RECORDED,
            "imei": format_imei(identity.imei) if identity and identity.imei else NOT_RECORDED,
            "imei2": format_imei(identity.imei2) if identity and identity.imei2 else None,
            "asset_number": trade_in.id,
            "source": f"customer trade-in {trade_in.id}",
        },
        "media": [
            {
                "type": m.kind,
                "identifier": m.identifier or NOT_RECORDED,
                "capacity_bytes": m.capacity_bytes,
                "method_type": m.level,
                "method": m.technique,
                "result": m.result,
            }
            for m in media
        ],
        "sanitization": {
            "record_id": record.id,
            "method_type": record.level,  # the weakest of the media: clear, purge, destroy
            "method": record.technique,
            "result": record.result,
            "tool": record.tool or NOT_RECORDED,
            "tool_version": record.tool_version or NOT_RECORDED,
            "verification_method": record.verification_method or NOT_RECORDED,
            "started_at": record.started_at.isoformat() if record.started_at else None,
            "completed_at": record.completed_at.isoformat(),
            "source": record.source,
            "report_id": record.report_id,
        },
        "performed_by": {
            "operator": record.operator,
            "location": record.location or ctx.place,
            "date": record.completed_at.date().isoformat(),
        },
        "verified_by": None
        if record.verifier is None
        else {
            "verifier": record.verifier,
            "method": record.verifier_method,
            "date": record.verified_at.date().isoformat() if record.verified_at else None,
            "result": record.verification,
        },
        "destination": record.destination
        or (disposition[trade_in.id].route if trade_in.id in disposition else "pending"),
    }
    document = signing.sign(fields, secrets_dir, ctx.now)
    row = Certificate(
        id=certificate_id,
        kind="device",
        program_id=trade_in.program_id,
        trade_in_id=trade_in.id,
        key_id=document["signature"]["key_id"],
        document=document,
        issued_at=ctx.now,
        issued_by=ctx.actor,
    )
    session.add(row)
    data = {"certificate_id": certificate_id, "key_id": row.key_id}
    custody.note(session, trade_in, "certify", data, ctx)
    outbox.emit(
        session,
        program_id=trade_in.program_id,
        type=outbox.CERTIFICATE_ISSUED,
        payload={**data, "trade_in_id": trade_in.id, "method_type": record.level},
        ctx=ctx,
        trade_in_id=trade_in.id,
    )
    contact = contacts.get(session, trade_in.id)
    if contact is not None and contact.email:
        OutboxNotifier().email(
            session,
            contact_id=contact.id,
            recipient=contact.email,
            subject="Your device's data was erased: certificate",
            body=(
                f"Your trade-in {trade_in.id} was erased to {STANDARD} ({record.level}). "
                f"Certificate {certificate_id} can be verified by anyone at "
                f"{public_url}/verify/{certificate_id}."
            ),
            ctx=ctx,
        )
    session.flush()
    return row
