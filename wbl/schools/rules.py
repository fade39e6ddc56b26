"""The rules for a district's and a school's fields, pure: the forms and the services ask
the same functions, with the same messages.

California identifies schools by their CDS code (County-District-School), 14 digits: the
county's 2, the district's 5 and the school's 7. The first 7 — the county-district code —
identify a district (the California School Directory lists both). A school's CDS code
therefore starts with its district's code.
"""

from __future__ import annotations

import re

NAME_LENGTH = 120
CITY_LENGTH = 80
DISTRICT_CODE_DIGITS = 7
CDS_CODE_DIGITS = 14

DISTRICT_CODE_HELP = (
    "The county-district code: 7 digits, the county's 2 then the district's 5 (e.g. 57 72694), "
    "as the California School Directory lists it. Spaces and dashes are fine."
)
CDS_CODE_HELP = (
    "The school's CDS code: 14 digits, its district's 7-digit code then the school's 7 "
    "(e.g. 57 72694 5730405), as the California School Directory lists it."
)
NAME_NEEDED = "Enter the name."
NAME_TOO_LONG = f"Keep the name to {NAME_LENGTH} characters."
CITY_TOO_LONG = f"Keep the city to {CITY_LENGTH} characters."
DISTRICT_CODE_WRONG = "A county-district code is 7 digits, such as 57 72694."
CDS_CODE_WRONG = "A school's CDS code is 14 digits, such as 57 72694 5730405."

_SEPARATORS = re.compile(r"[\s\-.]+")


def normalise_code(text: str) -> str:
    """A code as stored: digits only (people type them with spaces or dashes)."""
    return _SEPARATORS.sub("", text or "")


def name_problem(name: str) -> str | None:
    text = name.strip()
    if not text:
        return NAME_NEEDED
    return NAME_TOO_LONG if len(text) > NAME_LENGTH else None


def district_code_problem(code: str) -> str | None:
    digits = normalise_code(code)
    if len(digits) != DISTRICT_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return DISTRICT_CODE_WRONG
    return None


def school_code_problem(code: str, district_code: str) -> str | None:
    """14 digits, starting with the district's code when that is a 7-digit county-district
    code (districts from elsewhere, e.g. a roster, may carry another kind of code)."""
    digits = normalise_code(code)
    if len(digits) != CDS_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return CDS_CODE_WRONG
    if district_code_problem(district_code) is None and not digits.startswith(district_code):
        return (
            f"A school's CDS code starts with its district's code, {district_code}: "
            "check the code, or the district."
        )
    return None


def city_problem(city: str) -> str | None:
    return CITY_TOO_LONG if len(city.strip()) > CITY_LENGTH else None
