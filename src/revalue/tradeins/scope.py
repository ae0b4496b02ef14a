"""How an operation on one trade-in finds the program (and the customer's trade-in) it
belongs to, for the access guard."""

from sqlalchemy.orm import Session

from revalue.http.auth import Scope
from revalue.tradeins import repository
from revalue.tradeins.service import TradeInNotFound


def _trade_in(session: Session, trade_in_id: str) -> tuple[str, str] | None:
    program_id = repository.program_of(session, trade_in_id)
    return None if program_id is None else (program_id, trade_in_id)


TRADE_IN = Scope(
    "trade_in_id",
    _trade_in,
    lambda t: TradeInNotFound(f"no trade-in {t!r}", field="trade_in_id"),
)
