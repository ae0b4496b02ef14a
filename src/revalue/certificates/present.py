"""How a certificate reads to people: the sections, labels and value wording that the PDF and
the public verification page share, so paper and screen never say different things.

Everything here reads the signed document only (never the database): what a person sees is
what was signed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

Rows = list[tuple[str, str]]

NOT_RECORDED = "not recorded"
NOT_SAMPLED = "not sampled for independent verification"
OFFLINE = "revalue certificates verify CERTIFICATE.json --keys KEYS.json"
KEYS_PATH = "/.well-known/revalue-certificate-keys.json"
# The summary's line per device: (heading, field of the line).
SUMMARY_COLUMNS = (
    ("Certificate", "certificate_id"),
    ("Trade-in", "trade_in_id"),
    ("Manufacturer", "manufacturer"),
    ("Model", "model"),
    ("Serial number", "serial_number"),
    ("IMEI", "imei"),
    ("Method type", "method_type"),
    ("Method", "method"),
    ("Result", "result"),
    ("Record", "record_id"),
)
# Line fields that hold codes (cryptographic_erase): shown as words. Ids stay as they are.
CODED = frozenset({"method_type", "method", "result"})


def words(value: Any) -> str:
    """A code as words: ``cryptographic_erase`` reads "cryptographic erase"."""
    return NOT_RECORDED if value in (None, "") else str(value).replace("_", " ")


def text(value: Any) -> str:
    return NOT_RECORDED if value in (None, "") else str(value)


def when(value: str | None) -> str:
    """An ISO time as ``2026-11-26 10:23 UTC`` (a date stays a date)."""
    if not value:
        return NOT_RECORDED
    if len(value) == 10:
        return value
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


def capacity(size: int | None) -> str:
    """Decimal units, as storage is sold: 128000000000 bytes read "128 GB"."""
    if size is None:
        return NOT_RECORDED
    amount, unit = float(size), "bytes"
    for bigger in ("kB", "MB", "GB", "TB", "PB"):
        if amount < 1000:
            break
        amount, unit = amount / 1000, bigger
    shown = f"{amount:.0f}" if unit == "bytes" or amount >= 100 else f"{amount:.3g}"
    return f"{shown} {unit}"


def cell(line: dict[str, Any], field: str) -> str:
    """One field of a summary's device line."""
    value = line.get(field)
    return words(value) if field in CODED else text(value)


def normalized(cert: dict[str, Any]) -> dict[str, Any]:
    """The certificate in the current layout, for reading. Certificates signed before storage
    media were recorded one by one hold the device under ``media`` (one dict): they stay
    valid as signed, and read like the others."""
    old = cert.get("media")
    if not isinstance(old, dict):
        return cert
    san = cert.get("sanitization") or {}
    medium = {
        "type": old.get("media_type"),
        **{k: san.get(k) for k in ("method_type", "method", "result")},
    }
    return {**cert, "device": old, "media": [medium]}


def _program(cert: dict[str, Any]) -> str:
    name, program_id = cert.get("program_name"), text(cert.get("program_id"))
    return f"{name} ({program_id})" if name else program_id


def header(cert: dict[str, Any]) -> Rows:
    rows = [
        ("Certificate", text(cert.get("certificate_id"))),
        ("Standard", text(cert.get("standard"))),
        ("Issued", when(cert.get("issued_at"))),
        ("Issued by", text(cert.get("issued_by"))),
        ("Program", _program(cert)),
    ]
    if cert.get("kind") == "summary":
        rows.append(("Batch or lot reference", text(cert.get("reference"))))
    else:
        rows.append(("Trade-in", text(cert.get("trade_in_id"))))
    return rows


def device_sections(cert: dict[str, Any]) -> list[tuple[str, Rows]]:
    """A device certificate's NIST SP 800-88 Appendix G sections, in order, one per medium."""
    cert = normalized(cert)
    device = cert.get("device") or {}
    device_rows = [
        ("Manufacturer", text(device.get("manufacturer"))),
        ("Model", text(device.get("model"))),
        ("Serial number", text(device.get("serial_number"))),
        ("IMEI", text(device.get("imei"))),
    ]
    if device.get("imei2"):
        device_rows.append(("Second IMEI", text(device["imei2"])))
    device_rows += [
        ("Asset number", text(device.get("asset_number"))),
        ("Source", text(device.get("source"))),
    ]
    sections = [("Device", device_rows)]
    media = cert.get("media") or []
    for number, medium in enumerate(media, 1):
        title = f"Storage medium {number} of {len(media)}"
        sections.append(
            (
                title,
                [
                    ("Type", words(medium.get("type"))),
                    ("Identifier", text(medium.get("identifier"))),
                    ("Capacity", capacity(medium.get("capacity_bytes"))),
                    ("Method type (NIST)", words(medium.get("method_type"))),
                    ("Method", words(medium.get("method"))),
                    ("Result", words(medium.get("result"))),
                ],
            )
        )
    san = cert.get("sanitization") or {}
    sanitization = [
        ("Method type (NIST)", words(san.get("method_type"))),
        ("Method", words(san.get("method"))),
        ("Result", words(san.get("result"))),
        ("Tool", text(san.get("tool"))),
        ("Tool version", text(san.get("tool_version"))),
        ("Verification method", text(san.get("verification_method"))),
        ("Started", when(san.get("started_at"))),
        ("Completed", when(san.get("completed_at"))),
        ("Sanitization record", text(san.get("record_id"))),
        ("Record source", words(san.get("source"))),
        ("Report id", text(san.get("report_id"))),
    ]
    sections.append(("Sanitization details", sanitization))
    by = cert.get("performed_by") or {}
    sections.append(
        (
            "Person performing sanitization",
            [
                ("Name", text(by.get("operator"))),
                ("Location", text(by.get("location"))),
                ("Date", when(by.get("date"))),
            ],
        )
    )
    sections.append(("Verification", verification_rows(cert.get("verified_by"))))
    sections.append(("Destination", [("Media destination", words(cert.get("destination")))]))
    return sections


def verification_rows(verified_by: dict[str, Any] | None) -> Rows:
    if not verified_by:
        return [("Independent verification", NOT_SAMPLED)]
    return [
        ("Independent verifier", text(verified_by.get("verifier"))),
        ("Method", text(verified_by.get("method"))),
        ("Date", when(verified_by.get("date"))),
        ("Result", words(verified_by.get("result"))),
    ]


def totals(cert: dict[str, Any]) -> Rows:
    """A summary's totals: devices, then per NIST method type and per result."""
    counts = cert.get("totals") or {}
    rows = [("Devices", text(counts.get("devices")))]
    for label, key in (("By method type", "by_method_type"), ("By result", "by_result")):
        parts = (counts.get(key) or {}).items()
        rows.append((label, ", ".join(f"{words(k)}: {n}" for k, n in parts) or NOT_RECORDED))
    return rows


def one_line(cert: dict[str, Any]) -> str:
    """What the certificate certifies, in a sentence (the CLI's summary)."""
    if cert.get("kind") == "summary":
        counts = cert.get("totals") or {}
        methods = ", ".join(
            f"{words(k)} {n}" for k, n in (counts.get("by_method_type") or {}).items()
        )
        results = ", ".join(f"{words(k)} {n}" for k, n in (counts.get("by_result") or {}).items())
        return (
            f"summary certificate {text(cert.get('certificate_id'))} of program "
            f"{text(cert.get('program_id'))}, reference {text(cert.get('reference'))}: "
            f"{text(counts.get('devices'))} devices ({methods}; {results})"
        )
    cert = normalized(cert)
    device = cert.get("device") or {}
    san = cert.get("sanitization") or {}
    return (
        f"certificate {text(cert.get('certificate_id'))} for trade-in "
        f"{text(cert.get('trade_in_id'))}: {text(device.get('manufacturer'))} "
        f"{text(device.get('model'))}, serial {text(device.get('serial_number'))}, "
        f"{words(san.get('method_type'))} ({words(san.get('method'))}), "
        f"{words(san.get('result'))}"
    )


def statement(cert: dict[str, Any]) -> str:
    """What the certificate certifies, in plain words (the verification page's lead)."""
    if cert.get("kind") == "summary":
        counts = cert.get("totals") or {}
        return (
            f"The sanitization of {text(counts.get('devices'))} devices of program "
            f"{text(cert.get('program_name') or cert.get('program_id'))}, batch or lot "
            f"{text(cert.get('reference'))}, each with its own certificate listed below."
        )
    cert = normalized(cert)
    device = cert.get("device") or {}
    san = cert.get("sanitization") or {}
    return (
        f"The data on {text(device.get('manufacturer'))} {text(device.get('model'))} "
        f"(serial number {text(device.get('serial_number'))}) was sanitized to "
        f"{text(cert.get('standard'))}: {words(san.get('method_type'))} by "
        f"{words(san.get('method'))}, result {words(san.get('result'))}, completed "
        f"{when(san.get('completed_at'))}."
    )
