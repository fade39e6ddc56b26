"""The interest check's statements and what a set of ticked ones suggests (pure: no database).

For the student who does not know what to write about themselves yet: a dozen "I would
enjoy…" statements, written by us and kept as reviewed data in ``interest_check.toml`` beside
this file (its header says how to change it). Each statement names pathways (by their default
names, ``wbl/reference/defaults.py``) and a few plain words. The ticked statements suggest
their pathways, the ones most statements point to first, and offer their words for the
student's interests; the student confirms what is added (``services.apply_interest_check``).

The file is English; the page shows each statement and word in the reader's language
(``shown_text``, ``interest_words``): pybabel extracts them from the TOML
(``wbl/babel_extract.py``) into the catalogs. The words a student keeps go into their own
words in the language they read them in.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeGuard

from flask_babel import gettext, pgettext

from wbl.babel_extract import WORD_CONTEXT
from wbl.i18n import N_
from wbl.reference.defaults import DEFAULT_PATHWAY_CODES

STATEMENTS_FILE = Path(__file__).with_name("interest_check.toml")
OPENING = "I would enjoy"
N_("I would enjoy")  # the opening, translated by ``Statement.shown_rest``


class StatementsFileError(ValueError):
    """The statements file is not as its header describes (a reviewer's mistake)."""


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    text: str
    #: Pathway codes (``agriculture.animal_science``), the best fit first.
    pathway_codes: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def shown_text(self) -> str:
        """The statement in the reader's language ("Me gustaría cuidar…")."""
        return gettext(self.text)

    @property
    def shown_rest(self) -> str:
        """The statement after its opening words ("taking care of people…"), for "You said
        you would enjoy"; the whole statement if a translation does not start with the
        translated opening."""
        text, opening = self.shown_text, gettext(OPENING) + " "
        return text[len(opening) :] if text.startswith(opening) else text


def shown_word(word: str) -> str:
    """A statement's word in the reader's language."""
    return pgettext(WORD_CONTEXT, word)


@dataclass(frozen=True, slots=True)
class RankedPathway:
    code: str
    #: How many of the ticked statements point to it.
    votes: int


def parse_statements(document: dict[str, object]) -> tuple[Statement, ...]:
    """The statements of a parsed TOML document, checked: unique ids, the opening words,
    known pathway names, at least one pathway and one word each."""
    entries = document.get("statement")
    if not isinstance(entries, list) or not entries:
        raise StatementsFileError("no [[statement]] entries")
    statements: list[Statement] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise StatementsFileError(f"statement {number} is not a table")
        id_, text = entry.get("id"), entry.get("text")
        names, words = entry.get("pathways"), entry.get("words")
        where = f"statement {number} ({id_!r})"
        if not isinstance(id_, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", id_):
            raise StatementsFileError(f"{where}: id must be lower-case letters, digits and _")
        if id_ in seen:
            raise StatementsFileError(f"{where}: the id is used twice")
        seen.add(id_)
        if not isinstance(text, str) or not text.startswith(OPENING):
            raise StatementsFileError(f"{where}: text must start with {OPENING!r}")
        if not (_strings(names) and _strings(words)):
            raise StatementsFileError(f"{where}: pathways and words must be lists of text")
        unknown = [name for name in names if name not in DEFAULT_PATHWAY_CODES]
        if unknown:
            raise StatementsFileError(f"{where}: no default pathway is named {unknown}")
        statements.append(
            Statement(
                id=id_,
                text=text,
                pathway_codes=tuple(dict.fromkeys(DEFAULT_PATHWAY_CODES[n] for n in names)),
                words=tuple(dict.fromkeys(word.strip() for word in words)),
            )
        )
    return tuple(statements)


def _strings(value: object) -> TypeGuard[list[str]]:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str) and item.strip() for item in value)
    )


@cache
def statements() -> tuple[Statement, ...]:
    """The shipped statements, in page order (read once per process)."""
    with STATEMENTS_FILE.open("rb") as file:
        return parse_statements(tomllib.load(file))


def rank_pathways(chosen: Iterable[Statement]) -> list[RankedPathway]:
    """Every pathway the chosen statements name, the one most of them point to first; a tie
    goes to the pathway a statement lists earlier (its best fit), then to the statement
    that comes first on the page. So two ticked statements suggest each one's best fit
    before either one's second."""
    votes: dict[str, int] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for order, statement in enumerate(chosen):
        for place, code in enumerate(statement.pathway_codes):
            votes[code] = votes.get(code, 0) + 1
            first_seen[code] = min(first_seen.get(code, (place, order)), (place, order))
    ranked = sorted(votes, key=lambda code: (-votes[code], first_seen[code]))
    return [RankedPathway(code, votes[code]) for code in ranked]


def interest_words(chosen: Iterable[Statement], already_written: str = "") -> list[str]:
    """The chosen statements' words in the reader's language, each once, leaving out those
    the student's own text already says (as whole words, in any case)."""
    words = dict.fromkeys(shown_word(word) for statement in chosen for word in statement.words)
    return [word for word in words if not says(already_written, word)]


def says(text: str, phrase: str) -> bool:
    """Whether ``text`` contains ``phrase`` as whole words, in any case ("art" is not in
    "start")."""
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def merge_interests(existing: str, words: Sequence[str]) -> str:
    """The student's own text, kept as written, with the new words on a line of their own
    (only those it does not say yet)."""
    own = existing.strip()
    new = [word for word in dict.fromkeys(words) if not says(own, word)]
    if not new:
        return own
    added = ", ".join(new)
    return f"{own}\n{added}" if own else added
