"""The ledger over HTTP, read-only, for finance and audit: entries and payouts as CSV for
spreadsheets, a day's summary and the accounts' balances."""

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.payouts import cash, exports, instruments, ledger
from revalue.programs.api import PROGRAM

router = APIRouter(responses=ERROR_RESPONSES, tags=["ledger"])
LEDGER = "/programs/{program_id}/ledger"
READERS = (Role.ADMIN, Role.FINANCE, Role.AUDITOR)
FROM = Query(..., alias="from", description="First UTC day, YYYY-MM-DD")
TO = Query(..., alias="to", description="UTC day after the last, YYYY-MM-DD (excluded)")
# ``Response``, not ``PlainTextResponse``: the errors stay JSON; the CSV is documented here.
CSV = {
    200: {
        "description": "UTF-8 CSV (with a byte-order mark) and a header row",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _csv(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(f"{LEDGER}/entries.csv", response_class=Response, responses=CSV)
def ledger_entries_csv(
    program_id: str,
    start: date = FROM,
    end: date = TO,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Response:
    """The program's ledger entries posted in [from, to): one row per entry, debit and credit
    in minor units and as decimals."""
    text = exports.entries_csv(session, program_id=program_id, start=start, end=end)
    return _csv(text, f"ledger-{program_id}-{start}-{end}.csv")


@router.get(
    "/programs/{program_id}/payouts/instructions.csv", response_class=Response, responses=CSV
)
def cash_instructions_csv(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(Role.ADMIN, Role.FINANCE, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Response:
    """The cash payouts still to execute by hand, with the accounts in full (personal data:
    finance only), oldest first; confirm each with POST /trade-ins/{id}/payout/executed."""
    box = instruments.cipher(state(request).settings.secrets_dir)
    text = cash.instructions_csv(session, program_id=program_id, box=box)
    return _csv(text, f"cash-instructions-{program_id}.csv")


@router.get("/programs/{program_id}/payouts.csv", response_class=Response, responses=CSV)
def payouts_csv(
    program_id: str,
    start: date = FROM,
    end: date = TO,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Response:
    """The program's payouts requested in [from, to), whatever their status now."""
    text = exports.payouts_csv(session, program_id=program_id, start=start, end=end)
    return _csv(text, f"payouts-{program_id}-{start}-{end}.csv")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MethodTotalOut(_Out):
    method: str
    currency: str
    count: int
    total_minor: int
    total: str
    points: int


class ReversalOut(_Out):
    transaction_id: str
    reverses: str
    kind: str
    trade_in_id: str | None
    memo: str
    posted_at: datetime
    posted_by: str


class BalanceOut(_Out):
    account: str
    currency: str
    balance_minor: int
    balance: str


class ProblemOut(_Out):
    kind: str
    subject: str
    detail: str


class CheckOut(_Out):
    ok: bool
    transactions: int
    entries: int
    currencies: int
    problems: list[ProblemOut]


class DailyOut(_Out):
    program_id: str
    date: date
    payouts: list[MethodTotalOut]
    reversals: list[ReversalOut]
    balances: list[BalanceOut]
    check: CheckOut


@router.get(f"{LEDGER}/daily", response_model=DailyOut)
def ledger_daily(
    program_id: str,
    day: date = Query(..., alias="date", description="The UTC day, YYYY-MM-DD"),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> DailyOut:
    """A day's payouts per method, its reversals, every account's balance at its end, and
    whether the program's ledger checks out now."""
    summary = exports.daily(session, program_id=program_id, day=day)
    return DailyOut.model_validate(summary)


@router.get(f"{LEDGER}/balances", response_model=list[BalanceOut])
def ledger_balances(
    program_id: str,
    prefix: str | None = Query(None, max_length=120, description="Accounts starting with this"),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> list[BalanceOut]:
    """Every account's balance now, per currency (debits positive, credits negative)."""
    totals = ledger.balances(session, program_id=program_id, prefix=prefix)
    return [
        BalanceOut.model_validate(exports.Balance(account, currency, total))
        for (account, currency), total in totals.items()
    ]
