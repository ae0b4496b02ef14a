"""Receiving a business lot against its manifest, in one or several scanning sessions.

Each scanned IMEI or serial that names an expected line matches it, and opens the device's
trade-in on the business_lot pathway: its quote (on the lot's locked terms and date, so it
offers exactly the line's price), accepted in the lot's payout method, awaiting shipment and
received, with a custody event and the webhook outbox for each step, as ``tradeins.service``
writes them one by one. Here they are built in memory and written with one statement per
table per thousand devices. Each device is then identified and screened as every received
device is (``tradeins.screening.record_identity``), one by one: that is most of the time.

A scan of nothing on the manifest becomes an extra line; scanning anything again changes
nothing. Closing receiving marks every line never scanned as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from revalue.domain.condition import Condition
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.domain.lifecycle import Action
from revalue.domain.pricing import quote
from revalue.domain.program import Pathway, PayoutMethod
from revalue.events import outbox
from revalue.events import repository as events_repository
from revalue.identity.identifiers import InvalidIdentifier
from revalue.ids import new_id
from revalue.lots import manifest, repository, schemas, service
from revalue.lots.models import BusinessLot, LotLine
from revalue.lots.service import Progress
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.quotes import terms as quote_terms
from revalue.quotes.schemas import ConditionIn
from revalue.tradeins import custody, screening
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import IdentifiersIn

MAX_SCANS = 20_000  # per call; a larger session is sent in several calls
_BATCH = 1000  # devices written per round of statements


class InvalidScans(InvalidInput):
    code = "invalid_scans"


class LotPriceChanged(Conflict):
    """The lot's locked terms no longer give the line's price: a programming error guard."""

    code = "lot_price_changed"


@dataclass(slots=True)
class Received:
    """What one call of ``receive`` did."""

    scanned: int = 0
    matched: list[LotLine] = field(default_factory=list)  # matched by this call
    extras: list[str] = field(default_factory=list)  # identifiers new as extras
    again: int = 0  # scans of lines matched or extras recorded before (or twice in the call)


def receive(
    session: Session,
    lot_id: str,
    scans: list[str],
    ctx: Context,
    progress: Progress | None = None,
) -> Received:
    """Match the scans of one session against the lot (more sessions may follow): a call with
    any malformed scan records nothing."""
    lot = service.get(session, lot_id, for_update=True)
    service.require(lot, "receive", service.ACCEPTED, service.RECEIVING)
    identifiers = _identify(scans)
    lines = repository.lines(session, lot.id)
    by_id: dict[str, LotLine] = {}
    for line in lines:
        for value in (line.imei, line.serial):
            if value:
                by_id.setdefault(value, line)
    out = Received(scanned=len(scans))
    seen: set[str] = set()
    next_line = max((line.line_no for line in lines), default=0)
    new_extras: list[dict[str, Any]] = []
    to_match: list[LotLine] = []
    queued: set[int] = set()  # lines matched by this call: a device's IMEI and serial both scanned
    for kind, value in identifiers:
        line = by_id.get(value)
        if value in seen or (
            line is not None and (line.status != service.EXPECTED or line.id in queued)
        ):
            out.again += 1
        elif line is not None:
            to_match.append(line)
            queued.add(line.id)
        else:
            next_line += 1
            new_extras.append(_extra(lot, next_line, kind, value))
            out.extras.append(value)
        seen.add(value)
    opener = _Opener(session, lot, ctx)
    for start in range(0, len(to_match), _BATCH):
        batch = to_match[start : start + _BATCH]
        opener.open(batch)
        _screen(session, batch, ctx)
        out.matched.extend(batch)
        if progress is not None:
            progress(start + len(batch), len(to_match))
    repository.insert_lines(session, new_extras)
    lot.status = service.RECEIVING
    lot.updated_at = ctx.now
    session.flush()
    return out


def _screen(session: Session, lines: list[LotLine], ctx: Context) -> None:
    """Identify and screen every received device as any trade-in is at receipt (TAC, the
    blocklist, repeats): a blocklisted device of a lot is flagged, held and never paid."""
    for line in lines:
        trade_in = session.get(TradeIn, line.trade_in_id)
        assert trade_in is not None  # opened just above
        found = IdentifiersIn(imei=line.imei, serial=line.serial)
        screening.record_identity(session, trade_in, found, stage="receiving", ctx=ctx)


def _identify(scans: list[str]) -> list[tuple[str, str]]:
    """Every scan as (imei or serial, canonical value); any malformed one refuses the call."""
    if len(scans) > MAX_SCANS:
        raise InvalidScans(
            f"a call takes at most {MAX_SCANS:,} scans: send the rest in another call",
            field="scans",
        )
    out, problems = [], []
    for index, scan in enumerate(scans):
        try:
            out.append(manifest.identify(scan))
        except InvalidIdentifier as exc:
            problems.append({"index": index, "scan": scan[:60], "message": exc.message})
    if problems:
        raise InvalidScans(
            f"{len(problems)} scan(s) are not an IMEI or a serial number; nothing was recorded",
            field="scans",
            problems=problems[: manifest.PROBLEMS_SHOWN],
        )
    return out


def _extra(lot: BusinessLot, line_no: int, kind: str, value: str) -> dict[str, Any]:
    return {
        "lot_id": lot.id,
        "line_no": line_no,
        "imei": value if kind == "imei" else None,
        "serial": value if kind == "serial" else None,
        "model_id": None,
        "variant_sku": None,
        "declared": {},
        "quoted": 0,
        "asset_tag": None,
        "status": service.EXTRA,
        "trade_in_id": None,
    }


class _Opener:
    """Opens matched lines' trade-ins: the steps of ``tradeins.service`` start, accept,
    await_shipment and receive, in memory, then written in bulk."""

    def __init__(self, session: Session, lot: BusinessLot, ctx: Context) -> None:
        self.session, self.lot, self.ctx = session, lot, ctx
        self.program = programs.pricing_inputs(session, lot.program_id).program
        self.method = PayoutMethod(lot.payout_method)
        self._priced: dict[tuple[str, Condition], quotes.Priced] = {}
        self.announce = True

    def priced(self, sku: str, condition: Condition) -> quotes.Priced:
        """The device priced on the lot's locked terms, at the lot's date."""
        key = (sku, condition)
        if key not in self._priced:
            book, options, facts = quote_terms.load(self.lot.terms[sku])
            self._priced[key] = quotes.Priced(
                model_id=facts.model_id,
                quotation=quote(
                    book=book,
                    model=facts,
                    variant_sku=sku,
                    condition=condition,
                    payout_options=options,
                    as_of=self.lot.created_at,
                ),
                terms=self.lot.terms[sku],
            )
        return self._priced[key]

    def open(self, lines: list[LotLine]) -> None:
        # The outbox writes nothing when none of the program's subscriptions listens to
        # trade-in events: asked once per batch here instead of once per step per device.
        self.announce = any(
            outbox.TRADE_IN_STATE_CHANGED in types
            for _, types in events_repository.active_subscriptions(
                self.session, self.lot.program_id
            )
        )
        trade_ins, events, changes = [], [], []
        for line in lines:
            trade_in, steps = self._walk(line)
            trade_ins.append(trade_in)
            events.extend(steps)
            changes.append({"id": line.id, "status": service.MATCHED, "trade_in_id": trade_in.id})
        # The trade-ins first: their events refer to them.
        repository.insert_trade_ins(self.session, trade_ins)
        repository.insert_events(self.session, events)
        repository.update_lines(self.session, changes)
        for line, change in zip(lines, changes, strict=True):
            # Written above in bulk: the loaded lines learn it without being flushed again.
            set_committed_value(line, "status", service.MATCHED)
            set_committed_value(line, "trade_in_id", change["trade_in_id"])

    def _walk(self, line: LotLine) -> tuple[TradeIn, list[dict[str, Any]]]:
        ctx, lot = self.ctx, self.lot
        assert line.variant_sku is not None  # an expected line is a manifest row
        condition = ConditionIn.model_validate(line.declared).to_domain()
        priced = self.priced(line.variant_sku, condition)
        amount = priced.quotation.offer_for(self.method).amount.amount
        if amount != line.quoted:
            raise LotPriceChanged(
                f"line {line.line_no} was quoted {line.quoted} but its terms give {amount}",
                line=line.line_no,
            )
        trade_in_id = new_id("t", ctx.now)
        row = quotes.store(
            self.session,
            kind="initial",
            program=self.program,
            trade_in_id=trade_in_id,
            variant_sku=line.variant_sku,
            condition=condition,
            priced=priced,
            as_of=lot.created_at,
            expires_at=lot.expires_at,
            ctx=ctx,
        )
        trade_in = tradeins.quoted(
            trade_in_id=trade_in_id,
            program_id=lot.program_id,
            model_id=priced.model_id,
            variant_sku=line.variant_sku,
            quote_id=row.id,
            expires_at=lot.expires_at,
            now=ctx.now,
        )
        # Received is not a final offer (offer_final_at stays unset): inspection decides.
        trade_in.pathway, trade_in.payout_method = str(Pathway.BUSINESS_LOT), str(self.method)
        where = {"lot_id": lot.id, "line_no": line.line_no}
        quoted = {
            "quote_id": row.id,
            "offers": {o["method"]: o["amount"] for o in row.offers},
            "currency": row.currency,
            "grade": row.grade,
            **where,
        }
        accepted = {
            "quote_id": row.id,
            "payout_method": str(self.method),
            "pathway": str(Pathway.BUSINESS_LOT),
            "amount": amount,
            "currency": row.currency,
            **where,
        }
        events = [
            custody.link(trade_in, action="quote", from_state=None, to_state=trade_in.state,
                         ctx=ctx, data=quoted)
        ]  # fmt: skip
        if self.announce:
            tradeins.announce(self.session, trade_in, "quote", None, ctx, quoted)
        for action, data in ((Action.ACCEPT, accepted), (Action.AWAIT_SHIPMENT, where),
                             (Action.RECEIVE, where)):  # fmt: skip
            # The domain decides each step, exactly as tradeins.service.move asks it.
            to_state = str(tradeins.target(trade_in, action))
            events.append(
                custody.link(trade_in, action=str(action), from_state=trade_in.state,
                             to_state=to_state, ctx=ctx, data=data)
            )  # fmt: skip
            from_state, trade_in.state = trade_in.state, to_state
            if self.announce:
                tradeins.announce(self.session, trade_in, str(action), from_state, ctx, data)
        return trade_in, events


def close(session: Session, lot_id: str, ctx: Context) -> BusinessLot:
    """End receiving: every line never scanned is missing."""
    lot = service.get(session, lot_id, for_update=True)
    service.require(lot, "close receiving of", service.ACCEPTED, service.RECEIVING)
    repository.mark_missing(session, lot.id, service.EXPECTED, service.MISSING)
    lot.status = service.RECEIVED
    lot.updated_at = ctx.now
    session.flush()
    return lot


def report(session: Session, lot: BusinessLot) -> schemas.ReceivingReportOut:
    """Matched, missing and extra lines, with their counts."""
    groups: dict[str, list[schemas.ReportLineOut]] = {k: [] for k in service.LINE_STATUSES}
    for ln in repository.lines(session, lot.id):
        groups[ln.status].append(
            schemas.ReportLineOut(line_no=ln.line_no, imei=ln.imei, serial=ln.serial,
                                  quoted=ln.quoted, trade_in_id=ln.trade_in_id)
        )  # fmt: skip
    return schemas.ReceivingReportOut(
        lot_id=lot.id,
        status=lot.status,
        counts={k: len(v) for k, v in groups.items()},
        matched=groups[service.MATCHED],
        missing=groups[service.MISSING],
        extra=groups[service.EXTRA],
    )
