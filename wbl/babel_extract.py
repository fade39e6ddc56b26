"""A pybabel extractor for the texts kept as reviewed data in TOML files rather than in code
(``wbl/translations/babel.cfg`` names it): ``make translations`` puts them in the catalogs
like any marked string, so a data file is translated where everything else is, never copied.

Today it reads the interest check (``wbl/students/interest_check.toml``): each statement's
``text`` as a plain message and each of its ``words`` under the context
``interest check word`` (a short word such as "art" must not share a translation with a
label elsewhere). The code that shows them translates them the same way
(``students.interest_check``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO

#: The context of a statement's word in the catalog (``pgettext(WORD_CONTEXT, word)``).
WORD_CONTEXT = "interest check word"

Extracted = tuple[int, str, str | tuple[str, str], list[str]]


def _line_of(lines: list[str], needle: str, start: int) -> int:
    """The 1-based line at or after ``start`` whose text quotes ``needle`` (else ``start``)."""
    quoted = f'"{needle}"'
    for number in range(start, len(lines) + 1):
        if quoted in lines[number - 1]:
            return number
    return start


def extract_interest_check(
    fileobj: IO[bytes],
    keywords: Mapping[str, object],
    comment_tags: Collection[str],
    options: Mapping[str, object],
) -> Iterator[Extracted]:
    """pybabel's extractor interface: (line, function, message, comments) for each text."""
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    line = 1
    for entry in tomllib.loads(source).get("statement", []):
        text = entry.get("text")
        if isinstance(text, str):
            line = _line_of(lines, text, line)
            yield line, "gettext", text, ["An interest check statement (a student ticks it)."]
        for word in entry.get("words", []):
            if isinstance(word, str):
                line = _line_of(lines, word, line)
                yield (
                    line,
                    "pgettext",
                    (WORD_CONTEXT, word.strip()),
                    ["A word the interest check adds to a student's own words."],
                )
