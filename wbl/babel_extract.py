"""A pybabel extractor for the texts kept as reviewed data in TOML files rather than in code
(``wbl/translations/babel.cfg`` names it): ``make translations`` puts them in the catalogs
like any marked string, so a data file is translated where everything else is, never copied.

It reads the interest check (``wbl/students/interest_check.toml``): each statement's
``text`` as a plain message and each of its ``words`` under the context
``interest check word`` (a short word such as "art" must not share a translation with a
label elsewhere). The code that shows them translates them the same way
(``students.interest_check``). And the reference data's shipped names and descriptions
(``wbl/reference/defaults.py``, read as source: see ``extract_reference_defaults``).
"""

from __future__ import annotations

import ast
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


#: The tables of ``wbl/reference/defaults.py`` whose texts people read: each row's first
#: item is its code (never shown), the other strings are names and descriptions.
REFERENCE_TABLES = frozenset(
    {
        "SECTORS",
        "POG_OUTCOMES",
        "PREPARATORY_ACTIVITIES",
        "EXPERIENCE_TYPES",
        "EVALUATION_CATEGORIES",
    }
)


def extract_reference_defaults(
    fileobj: IO[bytes],
    keywords: Mapping[str, object],
    comment_tags: Collection[str],
    options: Mapping[str, object],
) -> Iterator[Extracted]:
    """The shipped names and descriptions of the reference data (sectors, pathways, Portrait
    of a Graduate outcomes, preparatory activities, experience types, evaluation categories),
    read from the module's source without running it. The database rows are seeded with
    these English texts; ``wbl.i18n.data_name`` shows a row's text translated while it is
    still the shipped one (a name the county has changed is shown as written)."""
    tree = ast.parse(fileobj.read())
    for statement in tree.body:
        target = getattr(statement, "target", None) or next(
            iter(getattr(statement, "targets", [])), None
        )
        if not (isinstance(target, ast.Name) and target.id in REFERENCE_TABLES):
            continue
        value = getattr(statement, "value", None)
        for row in getattr(value, "elts", []):
            for item in getattr(row, "elts", [])[1:]:
                texts = item.elts if isinstance(item, ast.List) else [item]
                for text in texts:
                    if isinstance(text, ast.Constant) and isinstance(text.value, str):
                        yield (
                            text.lineno,
                            "gettext",
                            text.value,
                            [f"Reference data ({target.id}), as shipped."],
                        )
