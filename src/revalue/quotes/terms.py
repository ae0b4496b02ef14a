"""A quote's locked terms as JSON: the narrowed price book, payout options and model facts.

Stored with every quote, so an inspection re-prices with exactly the terms the customer was
offered, whatever the program's price book says today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.pricing import PayoutOption, PriceBook, Promotion
from revalue.domain.program import PayoutMethod
from revalue.programs import pricebook


def dump(book: PriceBook, options: tuple[PayoutOption, ...], model: ModelFacts) -> dict[str, Any]:
    return {
        "currency": book.currency,
        "base_prices": dict(book.base_prices),
        "grade_multipliers_bp": {str(k): v for k, v in book.grade_multipliers_bp.items()},
        "deductions_bp": {str(k): v for k, v in book.deductions_bp.items()},
        "monthly_depreciation_bp": {str(k): v for k, v in book.monthly_depreciation_bp.items()},
        "max_depreciation_bp": book.max_depreciation_bp,
        "floor": book.floor,
        "rounding_increment": book.rounding_increment,
        "promotions": [
            {
                "name": p.name,
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "model_id": p.model_id,
                "category": p.category and str(p.category),
                "amount": p.amount,
                "percent_bp": p.percent_bp,
            }
            for p in book.promotions
        ],
        "payout_options": [{"method": str(o.method), "bonus_bp": o.bonus_bp} for o in options],
        "model": {
            "model_id": model.model_id,
            "category": str(model.category),
            "release_date": model.release_date.isoformat(),
        },
    }


def load(doc: dict[str, Any]) -> tuple[PriceBook, tuple[PayoutOption, ...], ModelFacts]:
    book = PriceBook(
        currency=doc["currency"],
        base_prices=dict(doc["base_prices"]),
        **pricebook.rules_kwargs(doc),
        promotions=tuple(
            Promotion(
                name=p["name"],
                starts_at=datetime.fromisoformat(p["starts_at"]),
                ends_at=datetime.fromisoformat(p["ends_at"]),
                model_id=p["model_id"],
                category=Category(p["category"]) if p["category"] else None,
                amount=p["amount"],
                percent_bp=p["percent_bp"],
            )
            for p in doc["promotions"]
        ),
    )
    options = tuple(
        PayoutOption(method=PayoutMethod(o["method"]), bonus_bp=o["bonus_bp"])
        for o in doc["payout_options"]
    )
    m = doc["model"]
    model = ModelFacts(
        model_id=m["model_id"],
        category=Category(m["category"]),
        release_date=date.fromisoformat(m["release_date"]),
    )
    return book, options, model
