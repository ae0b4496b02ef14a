from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.quotes import service
from revalue.quotes.schemas import QuoteOut

router = APIRouter(prefix="/quotes", tags=["quotes"], responses=ERROR_RESPONSES)


@router.get("/{quote_id}", response_model=QuoteOut)
def get_quote(quote_id: str, session: Session = Depends(read_session)) -> QuoteOut:
    return service.to_out(service.get(session, quote_id))
