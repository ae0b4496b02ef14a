"""The demo program's recovery set-up: its economics, six channels with price lists derived
from each variant's resale value, a tier-1 wholesale buyer's weekly demand per model, and the
repairs its technicians do."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel, Variant
from revalue.domain.context import Context
from revalue.domain.records import Route
from revalue.recovery import repository, setup
from revalue.recovery.setup_schemas import (
    ChannelIn,
    DemandIn,
    PriceIn,
    RepairActionIn,
    SettingsIn,
)

SETTINGS = SettingsIn(
    labour_rate_per_hour=4_500,
    repair_hours_per_week=60,
    holding_cost_per_day=15,
    speed_weight_bp=30_000,
    horizon_days=7,
    target_margin_bp=2_000,
)

# code, name, route, fee_bp, fee_fixed, logistics, days to sell, capacity a week, and the
# share of the variant's resale value (at the top grade) paid per grade.
CHANNELS = (
    ("direct", "Certified refurbished store", Route.REFURBISH_RESELL, 300, 0, 900, 21, 45,
     {"A": 100, "B": 88, "C": 72}),
    ("marketplace", "Refurbished marketplace", Route.MARKETPLACE, 1_200, 150, 700, 9, 60,
     {"A": 93, "B": 82, "C": 66, "D": 45}),
    ("wholesale-tier1", "Tier-1 wholesale buyer", Route.WHOLESALE, 0, 0, 250, 4, None,
     {"A": 80, "B": 70, "C": 56, "D": 38}),
    ("liquidator", "Liquidation wholesale", Route.WHOLESALE, 0, 0, 150, 2, None,
     {"A": 62, "B": 54, "C": 43, "D": 30}),
    ("parts", "Parts harvesting", Route.PARTS, 0, 0, 100, 14, 6, {"*": 16}),
    ("recycler", "Certified e-waste recycler", Route.RECYCLE, 0, 0, 50, 1, None, {"*": 1}),
)  # fmt: skip
TIER1_WEEKLY_PER_MODEL = 3

# category: (code, name, fixes, parts cost, labour minutes, grade after)
REPAIRS = {
    "smartphone": (
        ("screen", "Screen replacement", "screen_cracked", 6_000, 40, None),
        ("display", "Display panel replacement", "display", 6_000, 40, None),
        ("battery", "Battery replacement", "battery", 2_500, 25, None),
        ("port", "Charging port replacement", "charging_port", 1_500, 30, None),
        ("camera", "Camera module replacement", "camera", 3_500, 30, None),
        ("speaker", "Speaker replacement", "speaker", 1_200, 20, None),
        ("microphone", "Microphone replacement", "microphone", 1_000, 20, None),
        ("buttons", "Button flex replacement", "buttons", 800, 25, None),
        ("housing", "Housing and back glass", "cosmetic", 2_500, 45, "B"),
    ),
    "tablet": (
        ("screen", "Screen replacement", "screen_cracked", 9_000, 60, None),
        ("display", "Display panel replacement", "display", 9_000, 60, None),
        ("battery", "Battery replacement", "battery", 4_000, 45, None),
        ("port", "Charging port replacement", "charging_port", 2_000, 40, None),
        ("camera", "Camera module replacement", "camera", 3_000, 30, None),
        ("housing", "Housing refurbishment", "cosmetic", 4_000, 50, "B"),
    ),
    "laptop": (
        ("screen", "Screen replacement", "screen_cracked", 14_000, 60, None),
        ("display", "Display panel replacement", "display", 14_000, 60, None),
        ("battery", "Battery replacement", "battery", 7_000, 40, None),
        ("keyboard", "Keyboard replacement", "keyboard", 6_000, 60, None),
        ("trackpad", "Trackpad replacement", "trackpad", 5_000, 45, None),
        ("ports", "Port board replacement", "ports", 4_000, 60, None),
        ("hinge", "Hinge replacement", "hinge", 3_500, 45, None),
        ("housing", "Top case and palm rest", "cosmetic", 6_000, 60, "B"),
    ),
    "wearable": (
        ("screen", "Screen replacement", "screen_cracked", 5_000, 40, None),
        ("battery", "Battery replacement", "battery", 2_000, 30, None),
        ("strap", "Strap replacement", "strap", 800, 5, None),
        ("crown", "Crown replacement", "crown", 1_500, 30, None),
    ),
}


def resale_value(launch_price: int, released: date, today: date) -> int:
    """A used device's retail value at the top grade: three quarters of its launch price,
    losing 1.5 % a month, never under 15 % of launch."""
    months = max(0, (today.year - released.year) * 12 + today.month - released.month)
    value = max(launch_price * 0.75 * 0.985**months, launch_price * 0.15)
    return int(value) // 100 * 100


def set_up(session: Session, program_id: str, now: datetime, ctx: Context) -> None:
    """Settings, channels, price lists, demand and repairs, unless the program has channels."""
    if repository.channels(session, program_id):
        return
    setup.put_settings(session, program_id, SETTINGS, ctx)
    variants = session.execute(
        select(Variant.sku, Variant.launch_price, DeviceModel.release_date, DeviceModel.id).join(
            DeviceModel, Variant.model_id == DeviceModel.id
        )
    ).all()
    for code, name, route, fee_bp, fee_fixed, logistics, days, weekly, shares in CHANNELS:
        channel = setup.create_channel(
            session,
            program_id,
            ChannelIn(
                code=code,
                name=name,
                route=route,
                fee_bp=fee_bp,
                fee_fixed=fee_fixed,
                logistics_cost=logistics,
                days_to_sell=days,
                capacity_per_week=weekly,
            ),
            ctx,
        )
        prices = [
            PriceIn(
                variant_sku=sku,
                grade=grade,
                amount=max(100, resale_value(launch, released, now.date()) * share // 100),
            )
            for sku, launch, released, _model in variants
            for grade, share in shares.items()
        ]
        setup.put_prices(session, channel.id, setup.price_lines_from_json(prices), ctx)
        if code == "wholesale-tier1":
            models = sorted({model for *_, model in variants})
            demand = [DemandIn(model_id=m, units_per_week=TIER1_WEEKLY_PER_MODEL) for m in models]
            setup.put_demand(session, channel.id, demand, ctx)
    actions = [
        RepairActionIn(
            code=code,
            category=category,
            name=name,
            fixes=fixes,
            parts_cost=parts,
            labour_minutes=minutes,
            grade_after=grade_after,
        )
        for category, repairs in REPAIRS.items()
        for code, name, fixes, parts, minutes, grade_after in repairs
    ]
    setup.put_repair_actions(session, program_id, actions)
