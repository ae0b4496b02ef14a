"""Certificate PDFs run over as many pages as they need, and lose nothing on the way: every
medium of a device, every line of a summary, headings again on each page of the table."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from revalue.certificates import pdf, present, signing

T0 = datetime(2026, 11, 26, 10, 23, tzinfo=UTC)
URL = "https://trade-in.example/verify/cert_1"


def device(media: int) -> dict:
    return {
        "certificate_id": "cert_1",
        "kind": "device",
        "standard": "NIST SP 800-88 Rev.1",
        "issued_at": T0.isoformat(),
        "issued_by": "staff:tech@example.com",
        "program_id": "acme",
        "trade_in_id": "t_1",
        "device": {"manufacturer": "Apple", "model": "MacBook Air 13", "serial_number": "C02X",
                   "imei": "not recorded", "imei2": None, "asset_number": "t_1", "source": "x"},
        "media": [
            {"type": "ssd", "identifier": f"DISK-{n:03d}", "capacity_bytes": 256_060_514_304,
             "method_type": "purge", "method": "block_erase", "result": "erased"}
            for n in range(1, media + 1)
        ],
        "sanitization": {"record_id": 7, "method_type": "purge", "method": "block_erase",
                         "result": "erased", "tool": "Wipe", "tool_version": "1",
                         "verification_method": "read-back", "started_at": None,
                         "completed_at": T0.isoformat(), "source": "manual", "report_id": None},
        "performed_by": {"operator": "staff:tech@example.com", "location": "hq",
                         "date": "2026-11-26"},
        "verified_by": None,
        "destination": "recycle",
    }  # fmt: skip


def summary(devices: int) -> dict:
    lines = [
        {"certificate_id": f"cert_d{n:05d}", "trade_in_id": f"t_{n:05d}", "manufacturer": "Apple",
         "model": "iPhone 15", "serial_number": f"SN{n:05d}", "imei": "not recorded",
         "method_type": "purge", "method": "cryptographic_erase", "result": "erased",
         "record_id": n}
        for n in range(devices)
    ]  # fmt: skip
    return {
        "certificate_id": "cert_s",
        "kind": "summary",
        "standard": "NIST SP 800-88 Rev.1",
        "issued_at": T0.isoformat(),
        "issued_by": "staff:admin@example.com",
        "program_id": "acme",
        "program_name": "Acme",
        "reference": "LOT-1",
        "totals": {"devices": devices, "by_method_type": {"purge": devices},
                   "by_result": {"erased": devices}},
        "devices": lines,
    }  # fmt: skip


def pages(fields: dict, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    document = signing.sign(fields, tmp_path / "keys", T0)
    reader = PdfReader(io.BytesIO(pdf.render(document, URL)))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_a_device_with_many_media_runs_onto_more_pages_and_shows_each(tmp_path):
    text = pages(device(media=12), tmp_path)
    assert len(text) > 1
    flat = " ".join(text)
    for n in range(1, 13):
        assert f"Storage medium {n} of 12" in flat and f"DISK-{n:03d}" in flat
    assert "not sampled for independent verification" in flat
    assert "Ed25519" in text[-1] and URL in text[-1]
    assert all(f"Page {n}" in page for n, page in enumerate(text, 1))


def test_a_summary_lists_every_device_with_the_headings_on_each_page(tmp_path):
    text = pages(summary(devices=400), tmp_path)
    assert len(text) >= 5
    flat = " ".join(text)
    assert all(f"t_{n:05d}" in flat for n in range(400))
    for page in text[1:-1]:  # the table's middle pages: the headings come again
        assert "Certificate Trade-in Manufacturer Model" in page
    assert "purge: 400" in text[0] and "LOT-1" in text[0]


@pytest.mark.parametrize(
    ("size", "shown"),
    [(None, "not recorded"), (512, "512 bytes"), (64_000_000_000, "64 GB"),
     (256_060_514_304, "256 GB"), (1_500_000_000_000, "1.5 TB")],
)  # fmt: skip
def test_capacities_read_in_decimal_units_as_storage_is_sold(size, shown):
    assert present.capacity(size) == shown


def test_times_read_in_utc_minutes_and_dates_stay_dates():
    assert present.when("2026-11-26T10:23:59+00:00") == "2026-11-26 10:23 UTC"
    assert present.when("2026-11-26") == "2026-11-26"
    assert present.when(None) == "not recorded"


def test_a_certificate_signed_in_the_first_layout_still_renders(tmp_path):
    # Before media were recorded one by one, the device sat under "media", as one dict.
    first = {
        "certificate_id": "cert_0",
        "standard": "NIST SP 800-88 Rev.1",
        "issued_at": T0.isoformat(),
        "trade_in_id": "t_0",
        "media": {"manufacturer": "Google", "model": "Pixel 8", "serial_number": "not recorded",
                  "imei": "35 209900 176148 1", "media_type": "embedded flash storage",
                  "source": "customer trade-in t_0"},
        "sanitization": {"record_id": 3, "method_type": "purge", "method": "cryptographic_erase",
                         "result": "erased", "completed_at": T0.isoformat()},
        "performed_by": {"operator": "staff:1", "location": "hq"},
        "destination": "pending",
    }  # fmt: skip
    flat = " ".join(pages(first, tmp_path))
    for value in (
        "Pixel 8",
        "35 209900 176148 1",
        "embedded flash storage",
        "Storage medium 1 of 1",
    ):
        assert value in flat, value
    assert present.one_line(first).startswith("certificate cert_0 for trade-in t_0: Google Pixel 8")
