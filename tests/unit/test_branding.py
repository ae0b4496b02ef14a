"""Program branding: colours are checked for readable contrast (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain import branding
from revalue.domain.errors import InvalidInput

colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_contrast_matches_the_wcag_reference_values():
    assert branding.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert branding.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's own example: #777777 on white is 4.48:1, just short of AA for normal text.
    assert branding.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@given(colours, colours)
def test_contrast_is_symmetric_and_between_1_and_21(a, b):
    assert branding.contrast(a, b) == pytest.approx(branding.contrast(b, a))
    assert 1.0 <= branding.contrast(a, b) <= 21.0 + 1e-9


def test_the_default_look_is_readable_and_a_pale_primary_is_refused():
    branding.check(branding.DEFAULT)
    with pytest.raises(branding.UnreadableColours) as caught:
        branding.check(branding.Branding(primary="#777777"))
    assert caught.value.details["field"] == "primary" and caught.value.details["needed"] == 4.5
    with pytest.raises(InvalidInput) as bad:
        branding.check(branding.Branding(accent="orange"))
    assert bad.value.details["field"] == "accent"
