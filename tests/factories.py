"""Test data: a small catalog, a program, conditions, and a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from revalue.catalog import service as catalog
from revalue.domain.context import Context
from revalue.identity.models import TacEntry
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.quotes.schemas import ConditionIn

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

CATALOG_CSV = (Path(__file__).parent / "data" / "small_catalog.csv").read_text()

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
        # No random erasure verification: the tests that want it ask for it.
        "erasure_verification_bp": 0,
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


def add_program(session: Session, program_id: str) -> None:
    """Another priced program, next to the seeded one (same catalog)."""
    p = programs.create(session, program_in(id=program_id, name=program_id.title()), ctx())
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


PIXEL_TAC = "35000001"


def pixel_tac(session: Session) -> None:
    """A TAC the tables link to the Google Pixel 8: an IMEI on it identifies as that model."""
    session.add(
        TacEntry(
            tac=PIXEL_TAC,
            source="samsung",
            brand="Google",
            name="Pixel 8",
            model_code="GKWS6",
            catalog_model_id="google-pixel-8",
            imported_at=NOW,
        )
    )
