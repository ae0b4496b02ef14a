"""Where devices are and how they travel. Personal data (the customer's address) stays in
``customer_contacts``: a shipment refers to its trade-in, and the label is drawn from the
contact when it is printed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class Site(Base):
    """A processing site, a store or a kiosk. Sites serve every program of the installation."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # processing, store, kiosk
    name: Mapped[str] = mapped_column(String(160))
    # Postal address as printed on labels: name, line1, line2, city, region, postcode, country.
    address: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Location(Base):
    """A shelf, bin, cage or bench inside a site, addressed by a code printed on its label."""

    __tablename__ = "site_locations"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # shelf, bin, cage, bench, dock
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)


class Placement(Base):
    """Where a device is now (one row per trade-in); every change is also a custody event."""

    __tablename__ = "placements"

    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("site_locations.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(120))


class Shipment(Base):
    """A parcel on its way: a mail-in device to its processing site (inbound), a device back
    to its customer (return), or a mailing kit to the customer (kit)."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str | None] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    lot_id: Mapped[str | None] = mapped_column(ForeignKey("business_lots.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))  # inbound, return, kit
    carrier: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(60))
    to_site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    # label_created, in_transit, delivered, received, lost, returned_to_sender, cancelled
    status: Mapped[str] = mapped_column(String(20), index=True)
    declared_weight_g: Mapped[int | None] = mapped_column(Integer)
    weighed_weight_g: Mapped[int | None] = mapped_column(Integer)
    # Set when the weighed parcel differs from the declared weight by more than the
    # program's tolerance: an empty box or a different device, to look at before paying.
    weight_flag: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackingEvent(Base):
    """A carrier's scan. Kept whether or not a shipment matches it (an orphan waits for its
    shipment); a carrier's event id is taken once, so a repeated delivery changes nothing."""

    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("carrier", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(120))
    tracking_number: Mapped[str] = mapped_column(String(60), index=True)
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))  # in_transit, out_for_delivery, delivered...
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(160), default="")
    detail: Mapped[str] = mapped_column(String(400), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TransitClaim(Base):
    """A parcel overdue in transit: suspected lost, claimed from the carrier. The customer is
    protected by the program's rule and never charged for the carrier's loss."""

    __tablename__ = "transit_claims"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id"), unique=True)
    trade_in_id: Mapped[str | None] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open, found, lost
    protection: Mapped[str] = mapped_column(String(20))  # the program's rule when opened
    reason: Mapped[str] = mapped_column(String(400))
    carrier_reference: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[int | None] = mapped_column(Integer)  # claimed from the carrier
    currency: Mapped[str | None] = mapped_column(String(3))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(2000), default="")


class Receipt(Base):
    """What was in the box (or handed over), as the receiver found it at a site."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    trade_in_id: Mapped[str | None] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    scanned: Mapped[str] = mapped_column(String(80))  # the barcode read: shipment, IMEI, serial
    # device (as expected), accessories_only, empty, different_device
    contents: Mapped[str] = mapped_column(String(20))
    found: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # identifiers, accessories, notes
    # received; received_different (a different device, received as found); held_empty (empty
    # box or accessories only: the trade-in not received) until resolved: returned_to_sender
    # or device_found (then a new receipt receives it).
    outcome: Mapped[str] = mapped_column(String(30))
    receiver: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Batch(Base):
    """Devices handed over in a store (or kiosk) travelling together to a processing site."""

    __tablename__ = "transfer_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    from_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    to_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    # open: the store is packing (devices scanned out); dispatched: on its way (each device's
    # chain says transfer_out); received: closed by the site. An item of a dispatched or
    # received batch with no scanned_in_at has not arrived: missing once the batch is closed,
    # overdue after the program's transfer_loss_days from dispatched_at.
    status: Mapped[str] = mapped_column(String(20), index=True)  # open, dispatched, received
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BatchItem(Base):
    __tablename__ = "transfer_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "trade_in_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("transfer_batches.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    scanned_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scanned_out_by: Mapped[str] = mapped_column(String(120))
    scanned_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scanned_in_by: Mapped[str | None] = mapped_column(String(120))
