"""Blancco erasure reports (XML, as Blancco's erasure products and its Management Console export
them) read into drafts of our report; the mapping is documented in docs/sanitization.md.

A report is ``report`` > ``blancco_data`` holding ``description`` (``document_id``: the report's
UUID; ``document_log`` > ``log_entry`` > ``author``: the product that wrote it),
``blancco_erasure_report`` (``entries name="erasures"`` > an ``entries name="erasure"`` per
medium) and ``blancco_hardware_report`` (``entries name="system"``: manufacturer, model, serial,
IMEIs); values are ``entry name="..." type="..."`` elements. An export holds many reports under
one root. The parser refuses DTDs and entities: a report never needs them, and they are how XML
bombs and external-entity reads get in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from revalue.domain.records import (
    MediumKind,
    SanitizationLevel,
    SanitizationResult,
    SanitizationTechnique,
)
from revalue.tradeins.erasure_formats import Draft, Problem, parse_time

L, T, K = SanitizationLevel, SanitizationTechnique, MediumKind

# Blancco's erasure standard names (lower case). Overwriting through the medium's ordinary write
# commands reaches only user-addressable locations: NIST SP 800-88's Clear, however many passes.
# Standards that run the medium's own sanitize commands are a Purge, whose technique depends on
# the medium (see PURGE_TECHNIQUE).
METHODS: dict[str, SanitizationLevel] = {
    "nist 800-88 clear": L.CLEAR,
    "nist 800-88 purge": L.PURGE,
    "blancco ssd erasure": L.PURGE,
    "cryptographic erasure": L.PURGE,
    "hmg infosec standard 5, lower standard": L.CLEAR,
    "hmg infosec standard 5, higher standard": L.CLEAR,
    "dod 5220.22-m": L.CLEAR,
    "dod 5220.22-m ece": L.CLEAR,
    "peter gutmann's algorithm": L.CLEAR,
    "bruce schneier's algorithm": L.CLEAR,
    "aperiodic random overwrite": L.CLEAR,
}
# A phone's or tablet's flash is purged by destroying its encryption keys (iOS "Erase All
# Content and Settings", Android file-based encryption); an SSD by its block erase or sanitize
# command; a hard disk by its firmware overwrite.
PURGE_TECHNIQUE = {K.INTERNAL_STORAGE: T.CRYPTOGRAPHIC_ERASE, K.HDD: T.OVERWRITE}
STATES = {
    "successful": SanitizationResult.ERASED,
    "successful with exceptions": SanitizationResult.ERASED_WITH_EXCEPTIONS,
    "failed": SanitizationResult.NOT_ERASED,
}
# The erasure's target type; a mobile report names none: the device's own storage.
KINDS = {
    "": K.INTERNAL_STORAGE,
    "internal storage": K.INTERNAL_STORAGE,
    "ssd": K.SSD,
    "nvme": K.SSD,
    "hdd": K.HDD,
    "sd card": K.REMOVABLE_CARD,
}
ERASURES = "blancco_erasure_report/entries[@name='erasures']/entries[@name='erasure']"
SYSTEM = "blancco_hardware_report/entries[@name='system']"


class BlanccoXml:
    def read(self, text: str) -> tuple[list[Draft], list[Problem]]:
        try:
            root = fromstring(text, forbid_dtd=True)
        except ParseError as exc:
            return [], [Problem(f"line {exc.position[0]}", "body", f"not well-formed XML: {exc}")]
        except DefusedXmlException:
            return [], [Problem("document", "body", "the XML declares a DTD or entities: refused")]
        reports = [root] if root.tag == "report" else root.findall("report")
        if not reports:
            return [], [Problem("document", "body", "no <report> element: not a Blancco report")]
        drafts, problems = [], []
        for n, report in enumerate(reports, start=1):
            draft, found = _draft(f"report {n}", report)
            problems += found
            if draft is not None:
                drafts.append(draft)
        return drafts, problems


def _draft(where: str, report: Element) -> tuple[Draft | None, list[Problem]]:
    data = report.find("blancco_data")
    if data is None:
        return None, [Problem(where, "blancco_data", "the report has no blancco_data")]
    report_id = (data.findtext("description/document_id") or "").strip() or None
    erasures = [
        (f"{where}, erasure {i}", _values(e)) for i, e in enumerate(data.findall(ERASURES), 1)
    ]
    if not erasures:
        return None, [Problem(where, "erasures", "the report records no erasure", report_id)]
    media, starts, ends, problems = [], [], [], []
    for at, erasure in erasures:
        medium, found = _medium(at, erasure, report_id)
        problems += found
        media.append(medium)
        for name, times in (("start_time", starts), ("end_time", ends)):
            try:
                times.append(parse_time(erasure.get(name)))
            except ValueError as exc:
                problems.append(Problem(at, name, str(exc), report_id))
    if problems:
        return None, problems
    author = data.find("description/document_log/log_entry/author")  # the product that wrote it
    system = _values(data.find(SYSTEM))
    custom = _values(report.find("user_data/entries[@name='fields']"))  # fields set up in Blancco
    fields = {
        "report_id": report_id,
        "device": _drop_empty(
            trade_in_id=custom.get("trade_in_id"),
            imei=system.get("imei"),
            imei2=system.get("imei_two"),
            serial=system.get("serial"),
            manufacturer=system.get("manufacturer"),
            model=system.get("model"),
        ),
        "operator": _first_entry(report, "erasure_person"),
        "tool": _text(author, "product_name"),
        "tool_version": _text(author, "product_version"),
        "started_at": min(starts),
        "completed_at": max(ends),
        "verification_method": _verification(erasure for _, erasure in erasures),
        "media": media,
    }
    return Draft(where, fields, tuple(at for at, _ in erasures)), []


def _medium(at: str, erasure: dict[str, str], report_id: str | None) -> tuple[dict, list[Problem]]:
    problems = []
    kind = KINDS.get(erasure.get("target.type", "").lower(), K.OTHER)
    method = erasure.get("erasure_standard_name", "")
    level = METHODS.get(" ".join(method.lower().split()))
    if level is None:
        known = "; ".join(sorted(METHODS))
        message = f"erasure standard {method!r} is not mapped to a NIST level (known: {known})"
        problems.append(Problem(at, "erasure_standard_name", message, report_id))
    state = erasure.get("state", "")
    result = STATES.get(state.lower())
    if result is None:
        message = f"state {state!r} is none of Successful, Successful with exceptions, Failed"
        problems.append(Problem(at, "state", message, report_id))
    if level is L.PURGE:
        technique = T.CRYPTOGRAPHIC_ERASE if "crypto" in method.lower() else None
        technique = technique or PURGE_TECHNIQUE.get(kind, T.BLOCK_ERASE)
    else:
        technique = T.OVERWRITE
    medium = _drop_empty(
        kind=str(kind),
        identifier=erasure.get("target.serial"),
        capacity_bytes=erasure.get("target.capacity"),
        level=str(level) if level else None,
        technique=str(technique),
        result=str(result) if result else None,
    )
    return medium, problems


def _values(group: Element | None, prefix: str = "") -> dict[str, str]:
    """A group's entries by name, nested groups' as ``group.entry``."""
    found: dict[str, str] = {}
    for child in group if group is not None else ():
        name = child.get("name", "")
        if child.tag == "entry":
            found[prefix + name] = (child.text or "").strip()
        elif child.tag == "entries":
            found |= _values(child, f"{prefix}{name}.")
    return found


def _verification(erasures: Iterable[dict[str, str]]) -> str:
    """Blancco's verification: the share of the medium the tool read back after erasing it."""
    shares = sorted({e["verification"] for e in erasures if e.get("verification")})
    return f"the tool read back {' / '.join(shares)} of the medium" if shares else ""


def _first_entry(report: Element, name: str) -> str | None:
    entry = report.find(f".//entry[@name='{name}']")
    return None if entry is None else (entry.text or "").strip() or None


def _text(parent: Element | None, tag: str) -> str:
    return (parent.findtext(tag) or "").strip() if parent is not None else ""


def _drop_empty(**values: str | datetime | None) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v}
