"""A recommendation's reasons in the reader's language.

``matching`` is a pure library (no Flask, no catalogs): it writes its reason sentences in
English, from a fixed set of frames ("Part of your {pathway} pathway", "You wrote “{words}”
→ {pathway}"). Here each student-view frame is recognised and said again through the gettext
catalog; the data in it (partner names, the student's own words) stays as the database and
the student wrote it, and the pathway and sector names are the reader's language's while they
are the shipped ones (``wbl.i18n.data_name``). A sentence no frame matches is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from babel.dates import get_month_names
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from wbl.i18n import data_name

#: matching's names of the experience types and availability slots (recommend.py's
#: _TYPE_LABEL and _SLOT_LABEL), in the reader's language.
KIND_NAMES = {
    "guest speaker": _l("guest speaker"),
    "workplace visit": _l("workplace visit"),
    "job shadow": _l("job shadow"),
    "work-based project": _l("work-based project"),
    "internship": _l("internship"),
}
SLOT_NAMES = {
    "school-day": _l("during the school day"),
    "after-school": _l("after school"),
    "weekend": _l("on weekends"),
    "summer": _l("in the summer"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _named(names: dict[str, object], key: str) -> str:
    return str(names.get(key, key))


def _deadline(match: re.Match[str]) -> str:
    locale = get_locale()
    month = _MONTHS.index(match["month"]) + 1
    day = f"{match['day']} {get_month_names('abbreviated', locale=locale)[month]}"
    if match["left"] == "today":
        return gettext("Apply by %(day)s (today)", day=day)
    days = int(match["days"])
    return ngettext(
        "Apply by %(day)s (%(num)s day left)", "Apply by %(day)s (%(num)s days left)", days, day=day
    )


_FRAMES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"Part of your (?P<name>.+) pathway"),
        lambda m: gettext("Part of your %(name)s pathway", name=data_name(m["name"])),
    ),
    (re.compile(r"In your pathway"), lambda m: gettext("In your pathway")),
    (
        re.compile(r"Matches your interest in this industry"),
        lambda m: gettext("Matches your interest in this industry"),
    ),
    (
        re.compile(r"Matches your interest in (?P<sector>.+)"),
        lambda m: gettext("Matches your interest in %(sector)s", sector=data_name(m["sector"])),
    ),
    (
        re.compile(r"Related to your interests: (?P<words>.+)"),
        lambda m: gettext("Related to your interests: %(words)s", words=m["words"]),
    ),
    (
        re.compile(r"You wrote “(?P<words>.+)” → (?P<name>.+)"),
        lambda m: gettext(
            "You wrote “%(words)s” → %(name)s", words=m["words"], name=data_name(m["name"])
        ),
    ),
    (re.compile(r"Virtual — no travel needed"), lambda m: gettext("Virtual — no travel needed")),
    (
        re.compile(r"(?P<miles>\d+(\.\d+)?) miles from home"),
        lambda m: gettext(
            "%(miles)s miles from home", miles=format_decimal(float(m["miles"]), "0.0")
        ),
    ),
    (
        re.compile(r"A good first step: see what the work is like"),
        lambda m: gettext("A good first step: see what the work is like"),
    ),
    (
        re.compile(r"A good next step after your (?P<kind>.+)"),
        lambda m: gettext(
            "A good next step after your %(kind)s", kind=_named(KIND_NAMES, m["kind"])
        ),
    ),
    (
        re.compile(r"Try a (?P<kind>.+): something new for you"),
        lambda m: gettext(
            "Try a %(kind)s: something new for you", kind=_named(KIND_NAMES, m["kind"])
        ),
    ),
    (
        re.compile(r"Fits your (?P<slot>.+) availability"),
        lambda m: gettext("Fits your availability %(slot)s", slot=_named(SLOT_NAMES, m["slot"])),
    ),
    (
        re.compile(
            r"Apply by (?P<month>[A-Z][a-z]{2}) (?P<day>\d+) "
            r"\((?P<left>today|(?P<days>\d+) days? left)\)"
        ),
        _deadline,
    ),
    (
        re.compile(r"Open to you: you meet every requirement"),
        lambda m: gettext("Open to you: you meet every requirement"),
    ),
]


def in_language(reason: str) -> str:
    """``reason`` in the request's language (English: as matching wrote it)."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return reason
    for pattern, say in _FRAMES:
        match = pattern.fullmatch(reason)
        if match:
            return say(match)
    return reason


def all_in_language(reasons: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(in_language(reason) for reason in reasons)
