"""Who acts, where, and when: passed into every service call, so no service reads the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from revalue.domain.errors import InvalidInput

SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    actor: str
    place: str
    now: datetime

    def __post_init__(self) -> None:
        if self.now.utcoffset() != timedelta(0):
            raise InvalidInput("times are UTC: the context's time must carry the UTC offset")
        if not self.actor:
            raise InvalidInput("every service call carries an actor", field="actor")
