"""The manifest format: every row checked, every problem named by line and column at once,
identifiers normalized, duplicates caught however they are written."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import Condition, Cosmetic, Fault
from revalue.identity.identifiers import InvalidIdentifier
from revalue.lots import manifest

PHONE = ModelFacts(model_id="phone-x", category=Category.SMARTPHONE, release_date=date(2024, 1, 1))
LAPTOP = ModelFacts(model_id="book-y", category=Category.LAPTOP, release_date=date(2024, 1, 1))
FACTS = {"phone-x-128": PHONE, "phone-x-256": PHONE, "book-y-512": LAPTOP}
ALL = frozenset({"smartphone", "laptop"})


def imei(n: int) -> str:
    body = f"35209900{n:06d}"
    return body + luhn.calc_check_digit(body)


def parse(text: str, accepted: frozenset[str] = ALL) -> list[manifest.ManifestRow]:
    return manifest.parse(text, facts=FACTS, accepted_categories=accepted)


def problems(text: str, accepted: frozenset[str] = ALL) -> list[tuple[int, str]]:
    with pytest.raises(manifest.InvalidManifest) as caught:
        parse(text, accepted)
    return [(p["line"], p["column"]) for p in caught.value.details["problems"]]


def test_a_row_becomes_a_device_with_its_declared_condition():
    text = (
        "imei,serial,model,cosmetic,powers_on,screen_cracked,faults,asset_tag\n"
        f"{imei(1)[:2]} {imei(1)[2:]},,PHONE-X-128,Fair,yes,Y,battery; camera,IT-7\n"
        ",c02-xy 9876,book-y,good,,,,\n"  # a model id with one variant; a serial alone
    )
    first, second = parse(text)
    assert (first.line, first.imei, first.serial, first.variant_sku) == (
        2, imei(1), None, "phone-x-128",
    )  # fmt: skip
    assert first.condition == Condition(
        powers_on=True,
        screen_cracked=True,
        cosmetic=Cosmetic.FAIR,
        faults=frozenset({Fault.BATTERY, Fault.CAMERA}),
        activation_lock_off=True,
    )
    assert first.asset_tag == "IT-7"
    assert (second.imei, second.serial, second.variant_sku, second.model_id) == (
        None, "C02XY9876", "book-y-512", "book-y",
    )  # fmt: skip
    assert second.condition == Condition(powers_on=True, screen_cracked=False,
                                         cosmetic=Cosmetic.GOOD)  # fmt: skip


def test_every_problem_of_the_file_is_named_at_once():
    text = "\n".join(
        [
            "imei,model,cosmetic,faults,powers_on",
            f"{imei(1)},phone-x-128,good,,",
            f"{imei(1)[:2]}-{imei(1)[2:]},phone-x-256,good,,",  # the same IMEI, written otherwise
            f"{imei(2)[:14]}{(int(imei(2)[14]) + 1) % 10},phone-x-128,good,,",  # check digit
            f"{imei(3)},phone-x,good,,",  # two variants
            f"{imei(4)},phone-z,poor,,",
            f"{imei(5)},book-y-512,good,crown,",  # no crown on a laptop
            f"{imei(6)},phone-x-128,mint,wings,perhaps",
            ",phone-x-128,good,,",
            f"{imei(7)},phone-x-128,good,,,extra",
        ]
    )
    assert problems(text) == [
        (3, "imei"),
        (4, "imei"),
        (5, "model"),
        (6, "model"),
        (7, "faults"),
        (8, "cosmetic"),
        (8, "powers_on"),
        (8, "faults"),
        (9, "imei"),
        (10, ""),
    ]


def test_a_category_the_program_does_not_take_is_refused_by_line():
    text = f"imei,model,cosmetic\n{imei(1)},book-y-512,good\n"
    assert problems(text, frozenset({"smartphone"})) == [(2, "model")]


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("model,cosmetic", "imei or serial"),
        ("imei,cosmetic", "model"),
        ("imei,model,cosmetic,colour", "colour"),
    ],
)
def test_a_header_without_the_needed_columns_is_refused_before_any_row(header, named):
    (problem,) = problems(f"{header}\n")
    assert problem == (1, named)


def test_an_empty_manifest_is_refused():
    assert problems("imei,model,cosmetic\n\n") == [(1, "")]


def test_a_manifest_over_the_limit_is_refused_whole(monkeypatch):
    monkeypatch.setattr(manifest, "MAX_ROWS", 3)
    rows = "".join(f"{imei(n)},phone-x-128,good\n" for n in range(4))
    with pytest.raises(manifest.ManifestTooLarge):
        parse("imei,model,cosmetic\n" + rows)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=30))
def test_each_repeated_identifier_is_reported_on_every_repeat_and_only_there(numbers):
    text = "imei,model,cosmetic\n" + "".join(f"{imei(n)},phone-x-128,good\n" for n in numbers)
    first_seen: set[int] = set()
    repeats = []
    for line, n in enumerate(numbers, 2):
        if n in first_seen:
            repeats.append((line, "imei"))
        first_seen.add(n)
    if repeats:
        assert problems(text) == repeats
    else:
        assert [r.imei for r in parse(text)] == [imei(n) for n in numbers]


@pytest.mark.parametrize(
    ("scan", "kind", "value"),
    [
        (imei(1), "imei", imei(1)),
        (f" {imei(1)[:8]}-{imei(1)[8:]} ", "imei", imei(1)),
        ("c02xy9876", "serial", "C02XY9876"),
    ],
)
def test_a_scan_is_an_imei_or_a_serial(scan, kind, value):
    assert manifest.identify(scan) == (kind, value)


WRONG_CHECK = imei(1)[:14] + str((int(imei(1)[14]) + 1) % 10)


@pytest.mark.parametrize("scan", [WRONG_CHECK, imei(1)[:14], "ab", "!!!!!!"])
def test_a_malformed_scan_is_refused(scan):
    with pytest.raises(InvalidIdentifier):
        manifest.identify(scan)
