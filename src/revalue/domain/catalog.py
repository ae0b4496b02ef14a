"""Catalog values: device categories and the facts about a model that pricing needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Category(StrEnum):
    SMARTPHONE = "smartphone"
    TABLET = "tablet"
    LAPTOP = "laptop"
    WEARABLE = "wearable"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelFacts:
    model_id: str
    category: Category
    release_date: date
