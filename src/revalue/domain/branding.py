"""A program's look in the customer portal and console: the name customers see, two colours
and a logo. The colours must keep text readable (WCAG 2.1 level AA): white text on the primary
colour at 4.5:1 at least, and the accent (links, focus rings, buttons' borders) at 3:1 against
the white page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from revalue.domain.errors import InvalidInput

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
TEXT_CONTRAST = 4.5  # WCAG 1.4.3, normal text
UI_CONTRAST = 3.0  # WCAG 1.4.11, user-interface components
WHITE = "#ffffff"


class UnreadableColours(InvalidInput):
    code = "unreadable_colours"


@dataclass(frozen=True, slots=True, kw_only=True)
class Branding:
    display_name: str | None = None  # None: the program's name
    primary: str = "#1f4e79"  # headers and main buttons, under white text
    accent: str = "#a1410d"  # links and focus, on white
    logo_url: str | None = None


DEFAULT = Branding()


def luminance(colour: str) -> float:
    """Relative luminance of an sRGB ``#rrggbb`` colour (WCAG 2.1)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check(branding: Branding) -> None:
    """Refuse colours that are not ``#rrggbb`` or that would make text hard to read."""
    for name in ("primary", "accent"):
        value = getattr(branding, name)
        if not HEX.match(value):
            raise InvalidInput(f"{name} must be a colour like #1f4e79, not {value!r}", field=name)
    for name, need in (("primary", TEXT_CONTRAST), ("accent", UI_CONTRAST)):
        ratio = contrast(getattr(branding, name), WHITE)
        if ratio < need:
            raise UnreadableColours(
                f"{name} {getattr(branding, name)} has a contrast of {ratio:.2f}:1 with white; "
                f"at least {need}:1 keeps it readable (WCAG 2.1 AA)",
                field=name,
                contrast=round(ratio, 2),
                needed=need,
            )
