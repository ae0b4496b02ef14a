"""Inbound shipments: a label (and, per the program, a mailing kit) for an accepted mail-in
trade-in, and the label PDF drawn on request.

The label goes through the carrier (``carriers.get``), the trade-in moves ACCEPTED ->
AWAITING_SHIPMENT (``await_shipment``), and tracking events that came before the label was
made (orphans) are adopted at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from revalue.customers import contacts
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import Action
from revalue.domain.logistics import Kits
from revalue.ids import new_id
from revalue.logistics import carriers, labels, repository, tracking
from revalue.logistics.models import Shipment, Site
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn

# Typical boxed parcel weights (device, box, padding), in grams, when none is given.
TYPICAL_WEIGHT_G = {"smartphone": 350, "tablet": 900, "laptop": 2600, "wearable": 250}
FALLBACK_WEIGHT_G = 1000
KIT_WEIGHT_G = 150  # an empty mailer box with padding


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"


class NoReceivingSite(Conflict):
    code = "no_receiving_site"


class KitsNotOffered(InvalidInput):
    code = "kits_not_offered"


class AddressRequired(InvalidInput):
    code = "address_required"


def get(session: Session, shipment_id: str) -> Shipment:
    row = repository.shipment(session, shipment_id)
    if row is None:
        raise ShipmentNotFound(f"no shipment {shipment_id!r}", field="shipment_id")
    return row


def typical_weight(category: str | None) -> int:
    return TYPICAL_WEIGHT_G.get(category or "", FALLBACK_WEIGHT_G)


def create_label(
    session: Session,
    trade_in_id: str,
    ctx: Context,
    *,
    carrier: str | None = None,
    service: str = "",
    weight_g: int | None = None,
    kit: bool | None = None,
) -> list[Shipment]:
    """The inbound shipment (first) and, if one is sent, the kit shipment to the customer.
    Everything is checked before the carrier is asked, so a refusal writes nothing."""
    trade_in = tradeins.get(session, trade_in_id)
    tradeins.target(trade_in, Action.AWAIT_SHIPMENT)  # accepted, shipped pathway; else 409
    chosen = carriers.get(carrier or carriers.DEFAULT)
    program = programs.get(session, trade_in.program_id)
    if program.receiving_site_id is None:
        raise NoReceivingSite(
            f"program {program.id!r} has no receiving site: set receiving_site_id first",
            field="receiving_site_id",
        )
    site = repository.site(session, program.receiving_site_id)
    assert site is not None  # a foreign key
    send_kit = _kit(program.kits, kit, program.id)
    contact = contacts.get(session, trade_in.id)
    if send_kit and (contact is None or not contact.address):
        raise AddressRequired(
            "a mailing kit is sent to the customer's address: add it to the contact first",
            field="contact.address",
        )
    model = repository.model(session, trade_in.model_id)
    weight = weight_g or typical_weight(model.category if model else None)

    inbound = _book(
        session, chosen, trade_in, ctx, direction="inbound", service=service, weight_g=weight,
        sender=customer_lines(contact), recipient=site_lines(site), to_site_id=site.id,
    )  # fmt: skip
    shipments = [inbound]
    data: dict[str, Any] = {
        "shipment_id": inbound.id,
        "carrier": inbound.carrier,
        "tracking_number": inbound.tracking_number,
        "to_site_id": site.id,
        "declared_weight_g": weight,
    }
    if send_kit:
        kit_row = _book(
            session, chosen, trade_in, ctx, direction="kit", service=service,
            weight_g=KIT_WEIGHT_G, sender=site_lines(site), recipient=customer_lines(contact),
            to_site_id=None,
        )  # fmt: skip
        shipments.append(kit_row)
        data["kit_shipment_id"] = kit_row.id
    tradeins.move(session, trade_in, Action.AWAIT_SHIPMENT, ctx, data)
    for row in shipments:
        tracking.adopt(session, row, ctx)
    return shipments


def _kit(rule: str, asked: bool | None, program_id: str) -> bool:
    if rule == Kits.ALWAYS:
        return True
    if asked and rule == Kits.NONE:
        raise KitsNotOffered(f"program {program_id!r} sends no mailing kits", field="kit")
    return bool(asked)


def _book(
    session: Session,
    carrier: carriers.Carrier,
    trade_in: TradeIn,
    ctx: Context,
    *,
    direction: str,
    service: str,
    weight_g: int,
    sender: list[str],
    recipient: list[str],
    to_site_id: str | None,
) -> Shipment:
    shipment_id = new_id("shp", ctx.now)
    label = carrier.create_label(
        carriers.LabelRequest(
            shipment_id=shipment_id,
            reference=trade_in.id,
            sender=sender,
            recipient=recipient,
            weight_g=weight_g,
            service=service,
        )
    )
    row = Shipment(
        id=shipment_id,
        program_id=trade_in.program_id,
        trade_in_id=trade_in.id,
        direction=direction,
        carrier=carrier.name,
        service=label.service or service,
        tracking_number=label.tracking_number,
        to_site_id=to_site_id,
        status="label_created",
        declared_weight_g=weight_g,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(row)
    session.flush()
    return row


def site_lines(site: Site) -> list[str]:
    a = site.address or {}
    place = " ".join(x for x in (a.get("postcode"), a.get("city")) if x)
    lines = [a.get("name") or site.name, a.get("line1"), a.get("line2"), place, a.get("region"),
             a.get("country")]  # fmt: skip
    return [str(x) for x in lines if x]


def customer_lines(contact: Any) -> list[str]:
    """The customer's name and address as printed; the name alone when there is no address
    (the customer writes it on), and a placeholder once retention erased the contact."""
    if contact is None or (not contact.name and not contact.address):
        return ["The customer"]
    a = contact.address or {}
    place = " ".join(x for x in (a.get("postal_code"), a.get("city")) if x)
    lines = [contact.name, a.get("line1"), a.get("line2"), place, a.get("region"),
             a.get("country")]  # fmt: skip
    return [str(x) for x in lines if x]


def condition_lines(condition: dict[str, Any]) -> list[str]:
    faults = ", ".join(str(f).replace("_", " ") for f in condition.get("faults") or []) or "none"
    yes = {True: "yes", False: "no"}
    return [
        f"Powers on: {yes.get(condition.get('powers_on'), '-')}",
        f"Screen cracked: {yes.get(condition.get('screen_cracked'), '-')}",
        f"Cosmetic condition: {condition.get('cosmetic', '-')}",
        f"Faults: {faults}",
        f"Activation lock off: {yes.get(condition.get('activation_lock_off'), '-')}",
    ]


def label_pdf(session: Session, shipment_id: str, public_base: str) -> bytes:
    """The label (and for an inbound parcel the packing slip): the carrier's own, or drawn."""
    shipment = get(session, shipment_id)
    own = carriers.get(shipment.carrier).label_pdf(shipment.tracking_number)
    if own is not None:
        return own
    return labels.render(label_document(session, shipment, public_base))


def label_document(session: Session, shipment: Shipment, public_base: str) -> labels.LabelDocument:
    trade_in = tradeins.get(session, shipment.trade_in_id or "")
    contact = contacts.get(session, trade_in.id)
    program = programs.get(session, trade_in.program_id)
    site_id = shipment.to_site_id or program.receiving_site_id
    site = repository.site(session, site_id) if site_id else None
    site_addr = site_lines(site) if site else ["Returns"]
    inbound = shipment.direction == "inbound"
    model = repository.model(session, trade_in.model_id)
    quote = quotes.get(session, trade_in.quote_id)
    return labels.LabelDocument(
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_number=shipment.tracking_number,
        shipment_id=shipment.id,
        reference=trade_in.id,
        sender=customer_lines(contact) if inbound else site_addr,
        recipient=site_addr if inbound else customer_lines(contact),
        tracking_url=tracking_url(public_base, trade_in.id),
        weight_g=shipment.declared_weight_g,
        direction=shipment.direction,
        device=f"{model.brand} {model.name} ({trade_in.variant_sku})"
        if model
        else trade_in.variant_sku,
        condition=condition_lines(quote.condition),
    )


def tracking_url(public_base: str, trade_in_id: str) -> str:
    """The customer's tracking page: their trade-in, opened with their link."""
    return f"{public_base.rstrip('/')}/trade-ins/{trade_in_id}"
