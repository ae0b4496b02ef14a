from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revalue.domain.access import ALL_STAFF
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.quotes import repository, service
from revalue.quotes.schemas import QuoteOut

router = APIRouter(prefix="/quotes", tags=["quotes"], responses=ERROR_RESPONSES)


def _quote(session: Session, quote_id: str) -> tuple[str, str | None] | None:
    row = repository.get(session, quote_id)
    return None if row is None else (row.program_id, row.trade_in_id)


QUOTE = Scope(
    "quote_id", _quote, lambda q: service.QuoteNotFound(f"no quote {q!r}", field="quote_id")
)


@router.get("/{quote_id}", response_model=QuoteOut)
def get_quote(
    quote_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=QUOTE)),
    session: Session = Depends(read_session),
) -> QuoteOut:
    return service.to_out(service.get(session, quote_id))
