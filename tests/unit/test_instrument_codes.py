"""Store credit and coupon codes: their format, what a till may type, and the check character."""

from __future__ import annotations

import re

import pytest

from revalue.payouts import codes

SHAPE = re.compile(r"^(RV|CP)(-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}){4}$")


@pytest.mark.parametrize("prefix", [codes.STORE_CREDIT, codes.COUPON])
def test_a_new_code_has_its_prefix_four_groups_of_four_and_reads_back_as_itself(prefix):
    code = codes.new_code(prefix)
    assert SHAPE.match(code) and code.startswith(f"{prefix}-"), code
    assert codes.parse(code, prefix) == code
    assert codes.last4(code) == code[-4:]


def test_case_dashes_spaces_and_lookalike_letters_do_not_matter():
    code = (
        "RV-"
        + "-".join(["0123", "4567", "89AB", "CDE"])
        + codes.check_character("RV0123456789ABCDE")
    )
    typed = " rv 0I23 4567-89ab cde" + code[-1].lower() + " "  # I for 1, spaces, lower case
    assert codes.parse(typed, codes.STORE_CREDIT) == code
    assert codes.parse(code.replace("0", "O").replace("1", "L"), codes.STORE_CREDIT) == code


def test_any_single_mistyped_character_is_caught_by_the_check_character():
    for _ in range(5):
        code = codes.new_code(codes.STORE_CREDIT)
        chars = list(code)
        for i, char in enumerate(chars):
            if char == "-" or i < 2:
                continue
            for other in codes.ALPHABET.replace(char, ""):
                typo = "".join([*chars[:i], other, *chars[i + 1 :]])
                assert codes.parse(typo, codes.STORE_CREDIT) is None, typo


def test_the_check_character_follows_luhn_mod_32():
    # Worked by hand: "1" doubled is 2, and 2 + 30 ("Y") is 32. "Z" (31) doubled is 62, "1U" in
    # base 32, whose digits sum to 1 + 30 = 31; 31 + 1 is 32.
    assert codes.check_character("1") == "Y"
    assert codes.check_character("Z") == "1"


def test_a_code_of_the_other_kind_or_shape_is_not_a_code():
    card = codes.new_code(codes.STORE_CREDIT)
    assert codes.parse(card, codes.COUPON) is None
    assert codes.parse("CP" + card[2:], codes.COUPON) is None  # the prefix is checked too
    assert codes.parse(card[:-1], codes.STORE_CREDIT) is None
    assert codes.parse(card + "0", codes.STORE_CREDIT) is None
    assert codes.parse(card[:-1] + "U", codes.STORE_CREDIT) is None  # not in the alphabet
    assert codes.parse("", codes.STORE_CREDIT) is None


def test_codes_do_not_repeat():
    assert len({codes.new_code(codes.STORE_CREDIT) for _ in range(2000)}) == 2000
