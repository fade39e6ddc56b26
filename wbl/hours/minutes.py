"""Hours as people type and read them: quarter hours typed as "1.25", "1,5" or "1:15", and
minutes written back as decimal hours ("1.5"), on the pages and in the CSV files alike."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_minutes(text: str) -> int | None:
    """Hours as typed ("1.25", "1,5", "1:15", "2") in minutes; None unless whole quarter hours."""
    text = (text or "").strip().lower().removesuffix("h").strip()
    match = _CLOCK.match(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        total = hours * 60 + minutes if minutes < 60 else -1
    else:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
        if not value.is_finite():
            return None
        exact = value * 60
        if exact != exact.to_integral_value():
            return None
        total = int(exact)
    if total <= 0 or total % 15:
        return None
    return total


def hours_text(minutes: int) -> str:
    """Minutes as decimal hours, as the pages and the CSV files write them: "1.5", "0", "12.25"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
