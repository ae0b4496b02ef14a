"""Test data: a small catalog, a program, conditions, and a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from revalue.catalog import service as catalog
from revalue.domain.context import Context
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.quotes.schemas import ConditionIn

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

CATALOG_CSV = """\
model_id,brand,name,category,release_date,weight_g,identifiers,variant_sku,storage_gb,ram_gb,connectivity,launch_price,currency
apple-iphone-15,Apple,iPhone 15,smartphone,2023-09-22,171,apple:iPhone15,4,apple-iphone-15-128gb,128,,,799.00,USD
apple-iphone-15,Apple,iPhone 15,smartphone,2023-09-22,171,apple:iPhone15,4,apple-iphone-15-256gb,256,,,899.00,USD
google-pixel-8,Google,Pixel 8,smartphone,2023-10-12,187,model_code:GKWS6,google-pixel-8-128gb,128,,,699.00,USD
apple-ipad-10,Apple,iPad (10th generation),tablet,2022-10-26,477,,apple-ipad-10-64gb-wifi,64,,wifi,449.00,USD
apple-macbook-air-13-m2,Apple,MacBook Air 13 (M2),laptop,2022-07-15,1240,,apple-macbook-air-13-m2-8gb-256gb,256,8,,1199.00,USD
apple-watch-series-9-45mm,Apple,Watch Series 9 45mm,wearable,2023-09-22,39,,apple-watch-series-9-45mm-64gb-gps,64,,gps,429.00,USD
"""
# The identifiers field above holds a comma inside "apple:iPhone15,4": quote it in CSV.
CATALOG_CSV = CATALOG_CSV.replace("apple:iPhone15,4", '"apple:iPhone15,4"')

PHONE = "apple-iphone-15-128gb"


@dataclass
class Clock:
    """A clock the test controls: ``advance`` moves it on."""

    now: datetime = field(default=NOW)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def ctx(now: datetime = NOW, actor: str = "tester") -> Context:
    return Context(actor=actor, place="test-lab", now=now)


def program_in(**overrides: object) -> program_schemas.ProgramIn:
    data = {
        "id": "acme",
        "name": "Acme Trade-In",
        "currency": "USD",
        "accepted_categories": ["smartphone", "tablet", "laptop", "wearable"],
        "pathways": ["in_store", "mail_in", "kiosk", "business_lot"],
        "payout_options": [
            {"method": "cash", "bonus_bp": 0},
            {"method": "store_credit", "bonus_bp": 1000},
        ],
    }
    data.update(overrides)
    return program_schemas.ProgramIn.model_validate(data)


def seed(session: Session, *, program: program_schemas.ProgramIn | None = None) -> None:
    """The small catalog and a priced program (base price: 60% of launch price)."""
    catalog.import_csv(session, CATALOG_CSV)
    p = programs.create(session, program or program_in(), ctx())
    programs.derive_base_prices(
        session, p.id, program_schemas.DerivePricesIn(share_of_launch_bp=6000), ctx()
    )


def answers(**overrides: object) -> dict:
    data = {
        "powers_on": True,
        "screen_cracked": False,
        "cosmetic": "good",
        "faults": [],
        "activation_lock_off": True,
    }
    data.update(overrides)
    return data


def condition(**overrides: object) -> ConditionIn:
    return ConditionIn.model_validate(answers(**overrides))
