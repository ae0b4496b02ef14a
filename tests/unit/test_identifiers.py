"""IMEI, TAC, MEID and serial validation: valid vectors made from real TACs plus check digits
computed here (not by stdnum), and hand-broken ones."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.identity import identifiers
from revalue.identity.identifiers import InvalidImei, InvalidMeid, InvalidSerial, InvalidTac

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
# Real TACs, from the Osmocom and Samsung lists: a Siemens SL45i (also listed by Samsung as
# SM-G998B), an iPhone 13, a Galaxy S22, a Nokia 1610, an Oppo N1.
REAL_TACS = ["35066600", "35104463", "35002027", "49013920", "35675904"]


def luhn_digit(body: str) -> str:
    """The Luhn check digit of ``body``: from the right, double every other digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def imei_from(tac: str, serial: str = "176148") -> str:
    body = tac + serial
    return body + luhn_digit(body)


def test_the_luhn_helper_agrees_with_a_published_imei():
    assert imei_from("35209900", "176148") == "352099001761481"  # the GSMA's example IMEI


@pytest.mark.parametrize("tac", REAL_TACS)
def test_an_imei_made_from_a_real_tac_is_valid_and_canonical(tac):
    imei = imei_from(tac)
    assert identifiers.normalize_imei(imei) == imei
    assert identifiers.tac_of(imei) == tac


@pytest.mark.skipif(not SHARED.exists(), reason="the shared public data is not here")
def test_imeis_from_every_hundredth_tac_of_the_shared_lists_are_valid():
    with (SHARED / "samsung-tacs" / "tacs.csv").open(encoding="utf-8-sig") as f:
        tacs = [row[0] for row in csv.reader(f)][1::100]
    tacs = [t for t in tacs if len(t) == 8]
    assert len(tacs) > 50
    for tac in tacs:
        assert identifiers.normalize_imei(imei_from(tac, "000001")).startswith(tac)


@pytest.mark.parametrize(
    "typed",
    ["35-209900-176148-1", "35 209900 176148 1", "35.209900.176148.1", " 352099001761481\n"],
)
def test_spaces_dashes_and_dots_are_accepted_and_dropped(typed):
    assert identifiers.normalize_imei(typed) == "352099001761481"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("352099001761482", "the check digit is 2 but should be 1"),
        ("35209900176148", "this has 14 (14 digits is an IMEI without its check digit"),
        ("3520990017614812", "this has 16 (16 digits is an IMEISV"),
        ("35209900I761481", "digits only; found 'I'"),
        ("35209900176148l", "digits only; found 'l'"),
        ("", "the IMEI is empty"),
        ("3520990017614", "this has 13"),
        ("٣٥٢٠٩٩٠٠١٧٦١٤٨١", "digits only"),  # Arabic-Indic digits are not IMEI digits
    ],
)
def test_a_broken_imei_is_refused_saying_exactly_what_is_wrong(typed, says):
    with pytest.raises(InvalidImei) as err:
        identifiers.normalize_imei(typed, field="imei2")
    assert err.value.code == "invalid_imei"
    assert err.value.details == {"field": "imei2"}
    assert says in err.value.message


@pytest.mark.parametrize("tac", REAL_TACS)
def test_every_single_digit_typo_of_a_real_imei_is_caught(tac):
    imei = imei_from(tac)
    for pos in range(15):
        for digit in "0123456789":
            if digit != imei[pos]:
                with pytest.raises(InvalidImei):
                    identifiers.normalize_imei(imei[:pos] + digit + imei[pos + 1 :])


def test_formatting_groups_the_parts_and_round_trips():
    shown = identifiers.format_imei("352099001761481")
    assert shown == "35 209900 176148 1"
    assert identifiers.normalize_imei(shown) == "352099001761481"


def test_a_bad_imei_cannot_be_formatted():
    with pytest.raises(InvalidImei):
        identifiers.format_imei("352099001761480")


def test_a_tac_is_eight_digits():
    assert identifiers.normalize_tac("35-066600") == "35066600"
    for bad in ("3506660", "350666001", "3506660A", ""):
        with pytest.raises(InvalidTac):
            identifiers.normalize_tac(bad)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("A0000000002329", "A0000000002329"),
        ("a0 000000 002329", "A0000000002329"),
        ("A00000000023299", "A0000000002329"),  # with its (right) check digit, dropped
        ("270113177609606424", "A1000000929518"),  # the decimal form, converted
        ("35209900176148", "35209900176148"),  # all-decimal hex digits
    ],
)
def test_a_meid_becomes_fourteen_uppercase_hex_digits(typed, canonical):
    assert identifiers.normalize_meid(typed) == canonical


@pytest.mark.parametrize("typed", ["", "A000000000232", "G0000000002329", "A00000000023291"])
def test_a_broken_meid_is_refused(typed):
    with pytest.raises(InvalidMeid) as err:
        identifiers.normalize_meid(typed)
    assert err.value.code == "invalid_meid"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("c02xk1abjhd2", "C02XK1ABJHD2"), ("R58M-12 AB CD", "R58M12ABCD"), ("ABCDE", "ABCDE")],
)
def test_a_serial_is_uppercased_without_separators(typed, canonical):
    assert identifiers.normalize_serial(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "says"),
    [("ABCD", "this has 4"), ("A" * 41, "this has 41"), ("C02#XK1", "letters and digits only")],
)
def test_a_broken_serial_is_refused(typed, says):
    with pytest.raises(InvalidSerial) as err:
        identifiers.normalize_serial(typed)
    assert err.value.code == "invalid_serial"
    assert says in err.value.message


fourteen_digits = st.text(alphabet="0123456789", min_size=14, max_size=14)


@given(fourteen_digits)
def test_any_fourteen_digits_with_their_check_digit_are_a_canonical_imei(body):
    imei = body + luhn_digit(body)
    assert identifiers.normalize_imei(imei) == imei
    assert identifiers.normalize_imei(identifiers.format_imei(imei)) == imei


@given(fourteen_digits, st.integers(0, 14), st.integers(1, 9))
def test_changing_any_single_digit_breaks_it(body, pos, shift):
    imei = body + luhn_digit(body)
    broken = imei[:pos] + str((int(imei[pos]) + shift) % 10) + imei[pos + 1 :]
    with pytest.raises(InvalidImei):
        identifiers.normalize_imei(broken)
