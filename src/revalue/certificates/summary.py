"""Summary certificates: one signed document for a batch or business lot, with totals and a
line per device, each line naming the device's own certificate.

A summary is issued once per program and reference: asking again with the same trade-ins
returns it, asking with other trade-ins is a conflict. Every device must be certifiable; the
ones without a certificate yet get theirs in the same transaction, and when any device cannot
be certified nothing is written and the error names each one and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from revalue.certificates import present, repository, service, signing
from revalue.certificates.models import Certificate
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.domain.records import SanitizationLevel, SanitizationResult
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.tradeins import custody
from revalue.tradeins import service as tradeins

MAX_DEVICES = 10_000
NAMED_IN_MESSAGE = 10  # the details list every trade-in; the message names the first few


class InvalidTradeInList(InvalidInput):
    code = "invalid_trade_in_list"


class UnknownTradeIns(InvalidInput):
    code = "unknown_trade_ins"


class NotCertifiable(Conflict):
    code = "trade_ins_not_certifiable"


class ReferenceTaken(Conflict):
    code = "summary_reference_conflict"


def _named(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:NAMED_IN_MESSAGE])
    more = len(ids) - NAMED_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


def _check_list(trade_in_ids: Sequence[str]) -> None:
    if not trade_in_ids:
        raise InvalidTradeInList("name at least one trade-in", field="trade_in_ids")
    if len(trade_in_ids) > MAX_DEVICES:
        raise InvalidTradeInList(
            f"a summary covers at most {MAX_DEVICES:,} trade-ins ({len(trade_in_ids):,} given): "
            "split the lot under several references",
            field="trade_in_ids",
        )
    repeated = sorted(t for t, n in Counter(trade_in_ids).items() if n > 1)
    if repeated:
        raise InvalidTradeInList(
            f"each trade-in once: repeated {_named(repeated)}",
            field="trade_in_ids",
            repeated=repeated,
        )


def issue_summary(
    session: Session,
    program_id: str,
    reference: str,
    trade_in_ids: Sequence[str],
    *,
    secrets_dir: str,
    ctx: Context,
) -> Certificate:
    """Sign the summary certificate of a batch or lot of the program's trade-ins."""
    program = programs.get(session, program_id)
    _check_list(trade_in_ids)
    existing = repository.summary_by_reference(session, program.id, reference)
    if existing is not None:
        return _same_or_conflict(existing, reference, trade_in_ids)
    ids = list(trade_in_ids)
    known = repository.trade_ins_of_program(session, program.id, ids)
    unknown = [t for t in ids if t not in known]
    if unknown:
        # Another program's trade-in reads as missing: a summary never reveals it exists.
        raise UnknownTradeIns(
            f"no trade-in of program {program.id!r}: {_named(unknown)}",
            field="trade_in_ids",
            trade_in_ids=unknown,
        )
    latest = repository.latest_sanitizations(session, ids)
    refused = [
        {"trade_in_id": t, "reason": reason}
        for t in ids
        if (reason := service.refusal(latest.get(t))) is not None
    ]
    if refused:
        raise NotCertifiable(
            f"{len(refused)} of {len(ids)} trade-ins cannot be certified, nothing was issued: "
            + _named([f"{r['trade_in_id']} ({r['reason']})" for r in refused]),
            field="trade_in_ids",
            refused=refused,
        )
    devices = [service.issue(session, t, secrets_dir=secrets_dir, ctx=ctx) for t in ids]
    certificate_id = new_id("cert", ctx.now)
    lines = sorted(
        (_line(d.document["certificate"]) for d in devices), key=itemgetter("trade_in_id")
    )
    fields: dict[str, Any] = {
        "certificate_id": certificate_id,
        "kind": "summary",
        "standard": service.STANDARD,
        "issued_at": ctx.now.isoformat(),
        "issued_by": ctx.actor,
        "verification_url": f"/verify/{certificate_id}",
        "program_id": program.id,
        "program_name": program.name,
        "reference": reference,
        "totals": _totals(lines),
        "devices": lines,
    }
    document = signing.sign(fields, secrets_dir, ctx.now)
    row = Certificate(
        id=certificate_id,
        kind="summary",
        program_id=program.id,
        trade_in_id=None,
        reference=reference,
        key_id=document["signature"]["key_id"],
        document=document,
        issued_at=ctx.now,
        issued_by=ctx.actor,
    )
    session.add(row)
    for line in lines:
        trade_in = tradeins.get(session, line["trade_in_id"])
        data = {
            "certificate_id": certificate_id,
            "reference": reference,
            "device_certificate_id": line["certificate_id"],
        }
        custody.note(session, trade_in, "certify_summary", data, ctx)
    session.flush()
    return row


def _same_or_conflict(
    existing: Certificate, reference: str, trade_in_ids: Sequence[str]
) -> Certificate:
    covered = {line["trade_in_id"] for line in existing.document["certificate"]["devices"]}
    asked = set(trade_in_ids)
    if covered == asked:
        return existing
    raise ReferenceTaken(
        f"reference {reference!r} already sums up another set of {len(covered)} trade-ins "
        f"(certificate {existing.id}): choose another reference for this one",
        field="reference",
        certificate_id=existing.id,
        not_covered=sorted(asked - covered)[:NAMED_IN_MESSAGE],
        missing=sorted(covered - asked)[:NAMED_IN_MESSAGE],
    )


def _line(device_certificate: dict[str, Any]) -> dict[str, Any]:
    cert = present.normalized(device_certificate)
    device, san = cert["device"], cert["sanitization"]
    return {
        "certificate_id": cert["certificate_id"],
        "trade_in_id": cert["trade_in_id"],
        "manufacturer": device["manufacturer"],
        "model": device["model"],
        "serial_number": device["serial_number"],
        "imei": device["imei"],
        "method_type": san["method_type"],
        "method": san["method"],
        "result": san["result"],
        "record_id": san["record_id"],
    }


def _totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    by_level = Counter(line["method_type"] for line in lines)
    by_result = Counter(line["result"] for line in lines)
    return {
        "devices": len(lines),
        "by_method_type": {str(v): by_level[v] for v in SanitizationLevel if by_level[v]},
        "by_result": {str(v): by_result[v] for v in SanitizationResult if by_result[v]},
    }


def of_program(session: Session, program_id: str) -> list[Certificate]:
    programs.get(session, program_id)
    return repository.summaries(session, program_id)
