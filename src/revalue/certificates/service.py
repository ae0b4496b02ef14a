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
from revalue.domain.records import SanitizationResult
from revalue.events.notify import OutboxNotifier
from revalue.identity.identifiers import format_imei
from revalue.identity.models import DeviceIdentity
from revalue.ids import new_id
from revalue.tradeins import custody, repository
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import Disposition

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


def issue(session: Session, trade_in_id: str, *, secrets_dir: str, ctx: Context) -> Certificate:
    """Sign a certificate for the device's passing sanitization record. Issuing again for the
    same record returns the certificate already issued."""
    trade_in = tradeins.get(session, trade_in_id)
    record = repository.latest_sanitization(session, trade_in.id)
    if record is None or record.result != SanitizationResult.ERASED:
        found = record.result if record else "none"
        raise NoPassingRecord(
            f"a certificate needs a sanitization that fully erased the device (last: {found})",
            field="trade_in_id",
        )
    for existing in of_trade_in(session, trade_in.id):
        if existing.document["certificate"]["sanitization"]["record_id"] == record.id:
            return existing
    certificate_id = new_id("cert", ctx.now)
    model = session.get(DeviceModel, trade_in.model_id)
    identity = session.get(DeviceIdentity, trade_in.id)
    disposition = repository.latest_records(session, Disposition, [trade_in.id])
    fields: dict[str, Any] = {
        "certificate_id": certificate_id,
        "standard": STANDARD,
        "issued_at": ctx.now.isoformat(),
        "issued_by": ctx.actor,
        "verification_url": f"/certificates/{certificate_id}",
        "trade_in_id": trade_in.id,
        "media": {
            "manufacturer": model.brand if model else NOT_RECORDED,
            "model": model.name if model else trade_in.model_id,
            "serial_number": (identity and identity.serial) or NOT_RECORDED,
            "imei": format_imei(identity.imei) if identity and identity.imei else NOT_RECORDED,
            "media_type": "embedded flash storage",
            "source": f"customer trade-in {trade_in.id}",
        },
        "sanitization": {
            "record_id": record.id,
            "method_type": record.level,  # clear, purge, destroy
            "method": record.technique,
            "result": record.result,
            "tool": NOT_RECORDED,
            "verification_method": NOT_RECORDED,
            "completed_at": record.completed_at.isoformat(),
        },
        "performed_by": {"operator": record.operator, "location": ctx.place},
        "destination": disposition[trade_in.id].route if trade_in.id in disposition else "pending",
    }
    document = signing.sign(fields, secrets_dir, ctx.now)
    row = Certificate(
        id=certificate_id,
        trade_in_id=trade_in.id,
        key_id=document["signature"]["key_id"],
        document=document,
        issued_at=ctx.now,
        issued_by=ctx.actor,
    )
    session.add(row)
    data = {"certificate_id": certificate_id, "key_id": row.key_id}
    custody.note(session, trade_in, "certify", data, ctx)
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
                f"/certificates/{certificate_id}."
            ),
            ctx=ctx,
        )
    session.flush()
    return row
