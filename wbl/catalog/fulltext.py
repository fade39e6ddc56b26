"""The words of a catalog search, matched by the database's own full-text search.

Why: a ``LIKE '%word%'`` over every offering's title, description and skills reads every
row, so the catalog page slowed with the catalog (issue 17: four times slower at 8,520
offerings). Full-text search answers from an index, and stems words, so "nurse" finds
"Nursing assistant". Migration 0024 builds the indexes:

- SQLite: FTS5 tables ``offering_fts`` (title, description, skills) and ``partner_fts``
  (name) with the ``porter unicode61`` tokenizer, kept in step with ``offering`` and
  ``partner`` by triggers; rowid is the offering's (the partner's) id.
- PostgreSQL: ``offering.search_vector``, a stored generated ``tsvector`` (the title weighted
  A, description and skills B) with a GIN index, and a GIN expression index on the partner's
  ``to_tsvector('english', name)``. Neither is in the models (SQLAlchemy has no FTS5 table
  and the column exists on PostgreSQL only); ``wbl/schema.py`` leaves them out of the
  comparison with the models.

What a word matches (the same on both databases, as far as the two engines allow): a word of
the title, description, skills or partner name that starts with the search word, after both
are stemmed ("nurse" finds "nursing" and "nurses", "vet" finds "veterinary"). A search word
is cut into its letters and digits ("snake_case" is the phrase "snake case", "100%" is
"100"), so the engines' query syntax never sees the user's punctuation: quotes, ``*``,
``NEAR(``, ``-``, ``OR`` or ``&`` are text, not operators. PostgreSQL leaves out English
stop words ("the", "and"); a search word made only of them matches every offering there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    case,
    func,
    literal_column,
    or_,
    select,
    table,
    union,
)

from wbl.catalog.models import Offering, Partner

# Relevance weights: a word in the title says most about an offering, then the partner's
# name (students search for a business they know), then the description and skills.
TITLE_WEIGHT = 3
PARTNER_WEIGHT = 2
TEXT_WEIGHT = 1

_TOKEN = re.compile(r"[^\W_]+")
_ENGLISH: ColumnElement[Any] = literal_column(
    "'english'::regconfig"
)  # as in the indexes, so they are used
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("offering.search_vector")


def word_tokens(word: str) -> list[str]:
    """The letters-and-digits runs of a search word, as both engines' tokenizers cut them."""
    return _TOKEN.findall(word.lower())


@dataclass(frozen=True, slots=True)
class WordMatch:
    """One search word as SQL: the ids of the offerings that have it somewhere (``found``, to
    read before the offerings: a condition checked on every row would make the search as
    slow as the catalog is long), and its relevance score over ``Offering``."""

    found: CompoundSelect[Any]
    score: ColumnElement[int]


def word_match(word: str, dialect: str) -> WordMatch:
    """SQL for "this offering has the word somewhere", and its relevance score."""
    tokens = word_tokens(word)
    if dialect == "postgresql":
        return _postgresql(tokens)
    return _sqlite(tokens)


def in_title_or_partner(word: str, dialect: str) -> ColumnElement[bool]:
    """SQL for "the word is in this offering's title or its partner's name" (the staff
    offerings list searches only these)."""
    tokens = word_tokens(word)
    if dialect == "postgresql":
        query = _tsquery(tokens)
        return or_(
            func.numnode(query) == 0,
            Offering.id.in_(_either(_with_vector(_tsquery(tokens, "A")), _partner_ids(query))),
        )
    phrase = _fts5_phrase(tokens)
    return Offering.id.in_(
        _either(_fts5_ids("offering_fts", "{title} : " + phrase), _fts5_ids("partner_fts", phrase))
    )


_WORDS = Offering.__table__.alias("offering_words")


def _either(
    offering_ids: Select[Any], partner_ids: Select[Any], *more: Select[Any]
) -> CompoundSelect[Any]:
    """The ids of the offerings found, and of the offerings of the partners found."""
    of_partners = select(_WORDS.c.id).where(_WORDS.c.partner_id.in_(partner_ids))
    return union(offering_ids, of_partners, *more)


# --- SQLite: FTS5 --------------------------------------------------------------------------


def _fts5_ids(fts_table: str, query: str) -> Select[Any]:
    """``rowid`` of the FTS5 table's rows matching ``query`` (a bound parameter)."""
    return (
        select(literal_column("rowid").label("id"))
        .select_from(table(fts_table))
        .where(literal_column(fts_table).match(query))
    )


def _fts5_phrase(tokens: list[str]) -> str:
    """One quoted phrase, the last token a prefix: nothing the user typed is FTS5 syntax."""
    return '"' + " ".join(tokens) + '"*'


def _sqlite(tokens: list[str]) -> WordMatch:
    phrase = _fts5_phrase(tokens)
    in_partner = Offering.partner_id.in_(_fts5_ids("partner_fts", phrase))
    in_title = Offering.id.in_(_fts5_ids("offering_fts", "{title} : " + phrase))
    in_text = Offering.id.in_(_fts5_ids("offering_fts", "{description skills} : " + phrase))
    found = _either(_fts5_ids("offering_fts", phrase), _fts5_ids("partner_fts", phrase))
    return WordMatch(found=found, score=_score(in_title, in_partner, in_text))


# --- PostgreSQL: tsvector ------------------------------------------------------------------


def _tsquery(tokens: list[str], weight: str = "") -> ColumnElement[str]:
    """``'tok':W <-> 'last':*W``: the tokens in a row, the last a prefix, of this weight."""
    parts = [f"'{token}':{weight}" if weight else f"'{token}'" for token in tokens[:-1]]
    parts.append(f"'{tokens[-1]}':*{weight}")
    return func.to_tsquery(_ENGLISH, " <-> ".join(parts))


def _partner_ids(query: ColumnElement[str]) -> Select[Any]:
    return select(Partner.id).where(func.to_tsvector(_ENGLISH, Partner.name).bool_op("@@")(query))


def _with_vector(query: ColumnElement[str]) -> Select[Any]:
    """The ids of the offerings whose ``search_vector`` matches."""
    vector: ColumnElement[Any] = literal_column(f"{_WORDS.name}.search_vector")
    return select(_WORDS.c.id).where(vector.bool_op("@@")(query))


def _postgresql(tokens: list[str]) -> WordMatch:
    query = _tsquery(tokens)
    in_partner = Offering.partner_id.in_(_partner_ids(query))
    # "the": the engine drops it, and the word keeps every offering
    every_one = select(_WORDS.c.id).where(func.numnode(query) == 0)
    return WordMatch(
        found=_either(_with_vector(query), _partner_ids(query), every_one),
        score=_score(
            _SEARCH_VECTOR.bool_op("@@")(_tsquery(tokens, "A")),
            in_partner,
            _SEARCH_VECTOR.bool_op("@@")(_tsquery(tokens, "B")),
        ),
    )


def _score(
    in_title: ColumnElement[bool], in_partner: ColumnElement[bool], in_text: ColumnElement[bool]
) -> ColumnElement[int]:
    return (
        case((in_title, TITLE_WEIGHT), else_=0)
        + case((in_partner, PARTNER_WEIGHT), else_=0)
        + case((in_text, TEXT_WEIGHT), else_=0)
    )
