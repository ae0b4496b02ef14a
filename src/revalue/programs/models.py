from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    currency: Mapped[str] = mapped_column(String(3))
    accepted_categories: Mapped[list[str]] = mapped_column(JSONDoc)
    pathways: Mapped[list[str]] = mapped_column(JSONDoc)
    payout_options: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # method, bonus_bp
    quote_validity_days: Mapped[int] = mapped_column(Integer)
    resale_strategy: Mapped[str] = mapped_column(String(30))
    objectives: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # metric, target
    # The portal's look: display_name, primary and accent colours, logo_url (domain.branding).
    branding: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # The price book's rules (multipliers, deductions, depreciation, floor, rounding).
    pricing: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    # Days after a trade-in closes before its customer's personal data is erased.
    retention_days: Mapped[int] = mapped_column(Integer, default=730)
    # Grading and fairness: the scale inspections are graded on, how far the found value may
    # fall below the quote before a re-quote (basis points of the offer, or cosmetic grade
    # steps), whether a better condition raises the offer, the customer's days to answer a
    # re-quote and what an unanswered one becomes, and when a second inspector must look.
    grading_scale: Mapped[str] = mapped_column(String(40), default="ctia")
    requote_tolerance_bp: Mapped[int] = mapped_column(Integer, default=1000)
    requote_tolerance_steps: Mapped[int] = mapped_column(Integer, default=0)
    upward_requote: Mapped[bool] = mapped_column(Boolean, default=True)
    requote_window_days: Mapped[int] = mapped_column(Integer, default=14)
    requote_lapse: Mapped[str] = mapped_column(String(10), default="return")
    second_opinion_above: Mapped[int | None] = mapped_column(Integer)
    second_opinion_sample_bp: Mapped[int] = mapped_column(Integer, default=500)
    # Payouts: above this amount a second person approves (None: never); the days (Monday to
    # Friday) from the final offer to payment; loyalty points per whole currency unit; the
    # days a purchase coupon lasts; store credit at hand-over in store, before inspection.
    payout_approval_above: Mapped[int | None] = mapped_column(BigInteger)
    payout_sla_business_days: Mapped[int] = mapped_column(Integer, default=2)
    loyalty_points_per_unit: Mapped[int] = mapped_column(Integer, default=100)
    coupon_days: Mapped[int] = mapped_column(Integer, default=90)
    instant_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    # Independent verification of erasure: R2 practice is a sample of at least 5 %.
    erasure_verification_bp: Mapped[int] = mapped_column(Integer, default=500)
    # Screening: days a customer has to remove a lock and what happens after (return or
    # recycle), how far back a repeat IMEI counts, and how many trade-ins per customer in how
    # many days before velocity is flagged.
    lock_grace_days: Mapped[int] = mapped_column(Integer, default=14)
    lock_expiry: Mapped[str] = mapped_column(String(10), default="return")
    duplicate_window_days: Mapped[int] = mapped_column(Integer, default=90)
    velocity_max: Mapped[int] = mapped_column(Integer, default=3)
    velocity_days: Mapped[int] = mapped_column(Integer, default=30)
    # Logistics: the processing site mail-in labels are addressed to; who gets a mailing kit
    # (none, on_request, always); days after acceptance to ship, and what an unshipped
    # acceptance becomes then (expire, or reprice at today's price book); days in transit
    # before a parcel is suspected lost, and how the customer is protected then (pay_quote:
    # paid as quoted; investigate: paid as quoted once the carrier's search fails; never
    # charged either way); days a store's batch may take to reach its site; days from receipt
    # to payout; the weight difference (grams) between declared and weighed parcel flagged.
    receiving_site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    kits: Mapped[str] = mapped_column(String(12), default="on_request")
    ship_by_days: Mapped[int] = mapped_column(Integer, default=14)
    ship_lapse: Mapped[str] = mapped_column(String(10), default="expire")
    transit_loss_days: Mapped[int] = mapped_column(Integer, default=10)
    loss_protection: Mapped[str] = mapped_column(String(20), default="pay_quote")
    transfer_loss_days: Mapped[int] = mapped_column(Integer, default=5)
    receipt_payout_days: Mapped[int] = mapped_column(Integer, default=5)
    weight_tolerance_g: Mapped[int] = mapped_column(Integer, default=120)
    # Bumped by every change to the program, its prices or promotions: caches key on it, so
    # several server processes never serve a stale price book.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BasePrice(Base):
    __tablename__ = "program_base_prices"

    program_id: Mapped[str] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    variant_sku: Mapped[str] = mapped_column(
        ForeignKey("catalog_variants.sku", ondelete="CASCADE"), primary_key=True
    )
    amount: Mapped[int] = mapped_column(Integer)  # minor units, program currency


class Promotion(Base):
    __tablename__ = "program_promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[str] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    model_id: Mapped[str | None] = mapped_column(ForeignKey("catalog_models.id"))
    category: Mapped[str | None] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[int] = mapped_column(Integer, default=0)
    percent_bp: Mapped[int] = mapped_column(Integer, default=0)
