"""The interest check's statements (reviewed data) and the pure rules over them: what a set of
ticked statements suggests, and how its words join what the student wrote."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from sqlalchemy import select

from wbl.extensions import db
from wbl.reference import defaults
from wbl.reference.models import IndustrySector, Pathway
from wbl.students.interest_check import (
    STATEMENTS_FILE,
    Statement,
    StatementsFileError,
    interest_words,
    merge_interests,
    parse_statements,
    rank_pathways,
    says,
    statements,
)


def _raw() -> list[dict[str, Any]]:
    with STATEMENTS_FILE.open("rb") as file:
        return tomllib.load(file)["statement"]


# --- the shipped statements -----------------------------------------------------------------


def test_every_pathway_a_statement_names_is_a_default_pathway() -> None:
    names = {name for _, _, pathways in defaults.SECTORS for name in pathways}
    named = [name for entry in _raw() for name in entry["pathways"]]
    assert named
    assert sorted(set(named) - names) == []


def test_every_sector_is_reached_by_some_statement() -> None:
    sector_of = {
        defaults.pathway_code(code, name): code
        for code, _, pathways in defaults.SECTORS
        for name in pathways
    }
    reached = {sector_of[code] for s in statements() for code in s.pathway_codes}
    assert reached == {code for code, _, _ in defaults.SECTORS}
    assert len(reached) == 15


def test_the_statements_are_a_dozen_plain_sentences_with_words() -> None:
    shipped = statements()
    assert 10 <= len(shipped) <= 14
    assert len({s.id for s in shipped}) == len(shipped)
    for statement in shipped:
        assert statement.text.startswith("I would enjoy ")
        assert statement.text.endswith(".")
        assert len(statement.text) <= 120, statement.id  # one line a teenager reads at a glance
        assert 1 <= len(statement.pathway_codes) <= 7, statement.id
        assert 2 <= len(statement.words) <= 4, statement.id


def test_every_statement_pathway_is_a_seeded_pathway(app) -> None:
    """The codes the statements resolve to are the rows ``seed_reference`` made."""
    codes = {code for s in statements() for code in s.pathway_codes}
    found = set(db.session.scalars(select(Pathway.code).where(Pathway.code.in_(codes))))
    assert found == codes
    sectors = db.session.scalars(
        select(IndustrySector.code)
        .join(Pathway, Pathway.sector_id == IndustrySector.id)
        .where(Pathway.code.in_(codes))
        .distinct()
    )
    assert len(set(sectors)) == 15


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"id": "x", "text": "I like cats.", "pathways": ["Animal Science"], "words": ["cats"]},
         "must start with"),
        ({"id": "x", "text": "I would enjoy cats.", "pathways": ["Cat Science"], "words": ["cats"]},
         "no default pathway is named ['Cat Science']"),
        ({"id": "Cats!", "text": "I would enjoy cats.", "pathways": ["Animal Science"],
          "words": ["cats"]}, "id must be"),
        ({"id": "x", "text": "I would enjoy cats.", "pathways": [], "words": ["cats"]},
         "must be lists of text"),
        ({"id": "x", "text": "I would enjoy cats.", "pathways": ["Animal Science"], "words": [" "]},
         "must be lists of text"),
    ],
)  # fmt: skip
def test_a_mistake_in_the_statements_file_is_named(entry: dict[str, object], problem: str) -> None:
    with pytest.raises(StatementsFileError, match=rf"statement 1 .*{re.escape(problem)}"):
        parse_statements({"statement": [entry]})


def test_an_id_used_twice_is_refused() -> None:
    entry = {"id": "x", "text": "I would enjoy x.", "pathways": ["Education"], "words": ["x"]}
    with pytest.raises(StatementsFileError, match="used twice"):
        parse_statements({"statement": [entry, entry]})
    with pytest.raises(StatementsFileError, match="no \\[\\[statement\\]\\]"):
        parse_statements({})


# --- what ticked statements suggest ---------------------------------------------------------


def _statement(id_: str, codes: tuple[str, ...], words: tuple[str, ...] = ("w",)) -> Statement:
    return Statement(id=id_, text=f"I would enjoy {id_}.", pathway_codes=codes, words=words)


def test_pathways_most_statements_point_to_come_first() -> None:
    care = _statement("care", ("health.patient_care", "public_services.emergency_response"))
    safety = _statement("safety", ("public_services.public_safety",
                                   "public_services.emergency_response"))  # fmt: skip
    ranked = rank_pathways([care, safety])
    assert [(r.code, r.votes) for r in ranked] == [
        ("public_services.emergency_response", 2),
        ("health.patient_care", 1),  # each statement's best fit before either one's second
        ("public_services.public_safety", 1),
    ]


def test_ties_go_to_each_statements_best_fit_then_to_page_order() -> None:
    a = _statement("a", ("a.one", "a.two"))
    b = _statement("b", ("b.one", "b.two"))
    assert [r.code for r in rank_pathways([a, b])] == ["a.one", "b.one", "a.two", "b.two"]
    assert rank_pathways([]) == []


def test_words_come_once_and_leave_out_what_the_student_already_wrote() -> None:
    a = _statement("a", ("x.y",), ("animals", "helping people"))
    b = _statement("b", ("x.y",), ("helping people", "art"))
    assert interest_words([a, b]) == ["animals", "helping people", "art"]
    assert interest_words([a, b], "I love ANIMALS and helping   people at the start") == ["art"]


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("I like art.", "art", True),
        ("I want to start a band", "art", False),
        ("Video games!", "video games", True),
        ("video\ngames", "video games", True),
        ("videos", "video", False),
        ("c++ (and more)", "c++", True),
        ("", "art", False),
    ],
)
def test_says_matches_whole_words_in_any_case(text: str, phrase: str, expected: bool) -> None:
    assert says(text, phrase) is expected


def test_merged_interests_keep_the_students_words_and_add_a_line() -> None:
    assert merge_interests("  I like horses.  ", ["animals", "nature"]) == (
        "I like horses.\nanimals, nature"
    )
    assert merge_interests("", ["animals", "animals"]) == "animals"
    assert merge_interests("Animals and nature", ["animals", "nature"]) == "Animals and nature"
    assert merge_interests("x", []) == "x"
