"""The concept vocabulary: every pathway reachable, no name that does not exist, students'
words (stems, phrases, typos) read as pathways, and reasons that quote them."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching import Offering, OfferingIndex, Student, Weights
from matching.concepts import CONCEPTS_FILE, Concepts, Speller, load_concepts, speller_for
from matching.relevance import WordAnalyzer, stop_words
from wbl.reference.defaults import SECTORS

PATHWAY_NAMES = {p for _, _, pathways in SECTORS for p in pathways}
SECTOR_NAMES = {name for _, name, _ in SECTORS}
TODAY = date(2026, 11, 23)
WROTE = re.compile(r"^You wrote “(.+)” → (.+)$")


def pathways_read(text: str) -> set[str]:
    return {p for m in load_concepts().find(text) for p in m.pathways}


def test_every_name_is_a_real_pathway_or_sector() -> None:
    data = tomllib.loads(CONCEPTS_FILE.read_text(encoding="utf-8"))
    assert set(data) == {"pathway", "sector"}
    assert set(data["pathway"]) <= PATHWAY_NAMES, set(data["pathway"]) - PATHWAY_NAMES
    assert set(data["sector"]) <= SECTOR_NAMES, set(data["sector"]) - SECTOR_NAMES


def test_every_pathway_is_reachable_by_its_own_words() -> None:
    concepts = load_concepts()
    assert set(concepts.pathway_words) == PATHWAY_NAMES
    for name, words in concepts.pathway_words.items():
        assert words, f"{name} has no words"
        reached = [w for w in words if name in pathways_read(w)]
        assert reached, f"no word of {name} reads as {name}"


def test_every_phrase_can_match() -> None:
    """A phrase of small words only ("it") or of more than three words never matches."""
    assert load_concepts().unread_phrases() == []


def test_no_phrase_shrinks_to_one_word() -> None:
    """Small words and filler are skipped, so "take care of people" would be "care" (every
    "I care about ...") and "own business" "business": a phrase keeps two words that
    count, or is written as the one word it is."""
    concepts = load_concepts()
    shrunk = [
        phrase
        for table in (concepts.pathway_words, concepts.sector_words)
        for phrases in table.values()
        for phrase in phrases
        if len(phrase.split()) > 1 and len(concepts.analyzer.words(phrase)) < 2
    ]
    assert shrunk == []


def test_forms_of_a_word_meet_and_phrases_skip_small_words() -> None:
    assert pathways_read("Nursing") == pathways_read("nurses") == {"Patient Care"}
    assert "Emergency Response" in pathways_read("I want to join the Fire Department")
    # the longest phrase wins: "sports medicine" is not also "sports" (recreation)
    assert pathways_read("sports medicine") == {"Patient Care"}
    (match,) = load_concepts().find("  I want to join the Fire   Department one day")
    assert match.quote == "fire department"  # as typed, spaces tidied, as words are shown


def test_a_coordinator_can_add_a_word(tmp_path: Path) -> None:
    """The file's own instructions: a word under a pathway, a phrase, a sector word."""
    path = tmp_path / "concepts.toml"
    path.write_text(
        '[pathway."Patient Care"]\nwords = ["phlebotomy", "draw blood"]\n'
        '[sector."Public Services"]\nwords = ["city hall"]\n',
        encoding="utf-8",
    )
    concepts = load_concepts(path)
    assert {p for m in concepts.find("I could draw blood") for p in m.pathways} == {"Patient Care"}
    assert [m.sectors for m in concepts.find("interning at City Hall")] == [
        frozenset({"Public Services"})
    ]
    path.write_text('[pathway."Patient Care"]\nword = ["typo in the key"]\n', encoding="utf-8")
    load_concepts.cache_clear()
    with pytest.raises(ValueError, match="needs words"):
        load_concepts(path)


def test_typos_are_forgiven_but_real_words_are_not_corrected() -> None:
    speller = speller_for(load_concepts())
    assert speller.correct("nurce") == "nurse"
    assert speller.correct("mecanic") == "mechanic"
    assert speller.correct("veternarian") == "veterinarian"
    assert speller.correct("kindergarden") == "kindergarten"
    assert speller.correct("places") is None  # a real word, not "planes"
    assert speller.correct("nurse") is None  # known
    assert speller.correct("vett") is None  # too short to tell
    assert speller.correct("zzzzzzz") is None
    # without a list of real words, "places" would be taken for "planes"
    assert Speller(["planes"]).correct("places") == "planes"


def catalog() -> list[Offering]:
    def offering(oid: int, text: str, pathway: int, sector: int, **fields: object) -> Offering:
        base: dict[str, object] = {
            "id": oid,
            "type": "guest_speaker",
            "title": text,
            "text": text,
            "pathway_ids": frozenset({pathway}),
            "sector_id": sector,
            "latitude": 38.44,
            "longitude": -122.71,
            "start_date": date(2026, 12, 10),
        }
        base.update(fields)
        return Offering(**base)  # type: ignore[arg-type]

    return [
        offering(1, "Classroom visit from a registered nurse", 1, 10, latitude=38.6),
        offering(2, "Career talk: a day in the life of an EMT", 2, 20, latitude=38.55),
        offering(3, "Career talk: becoming a software developer", 3, 30),
        offering(4, "Career talk: becoming a welder", 4, 40),
        # untagged, but its text says what it is: in its sector, it counts as Patient Care
        offering(5, "Meet a veterinary nurse", 5, 50, pathway_ids=frozenset()),
    ]


def index(weights: Weights | None = None) -> OfferingIndex:
    return OfferingIndex(
        catalog(),
        pathway_names={
            1: "Patient Care",
            2: "Emergency Response",
            3: "Software and Systems Development",
            4: "Welding and Materials Joining",
            5: "Animal Science",
        },
        sector_names={
            10: "Health Science and Medical Technology",
            20: "Public Services",
            30: "Information and Communication Technologies",
            40: "Manufacturing and Product Development",
            50: "Agriculture and Natural Resources",
        },
        pathway_sectors={1: 10, 2: 20, 3: 30, 4: 40, 5: 50},
        today=TODAY,
        weights=weights or Weights(),
    )


def student(interests: str) -> Student:
    return Student(id=1, grade=11, interests=interests, latitude=38.44, longitude=-122.71)


def test_the_issues_student_sees_health_science_first_in_their_own_words() -> None:
    """Issue 24: "when people are hurt ..." found no Health Science offering, and its only
    reason was "Related to your interests: people"."""
    recs = index().recommend(student("when people are hurt I want to be the one who helps them"))
    assert recs[0].offering_id == 1  # the nurse, though the others are nearer
    assert recs[0].reasons[0] == "You wrote “hurt” → Patient Care"
    assert not any("people" in r for rec in recs for r in rec.reasons)


def test_a_typo_still_finds_the_pathway_and_the_catalogs_word() -> None:
    (rec, *_) = index().recommend(student("mabye a nurce"))
    assert rec.offering_id == 1
    assert rec.reasons[:2] == (
        "You wrote “nurce” → Patient Care",
        "Related to your interests: nurse",
    )


def test_offerings_are_read_within_their_sector() -> None:
    """An untagged offering whose text says "veterinary" is Animal Science; its "nurse" does
    not make it Patient Care (another sector)."""
    recs = {r.offering_id: r for r in index().recommend(student("I love dogs"), k=5)}
    assert recs[5].reasons[0] == "You wrote “dogs” → Animal Science"
    nurse = {r.offering_id: r for r in index().recommend(student("nurse"), k=5)}
    assert not any(r.startswith("You wrote") for r in nurse[5].reasons)


def test_understood_pathways_weigh_less_than_chosen_ones() -> None:
    understood = index().recommend(student("welding"), k=5)
    chosen = index().recommend(
        Student(
            id=1,
            grade=11,
            interests="",
            pathway_ids=frozenset({4}),
            latitude=38.44,
            longitude=-122.71,
        ),
        k=5,
    )
    assert understood[0].offering_id == chosen[0].offering_id == 4
    assert understood[0].reasons[0] == "You wrote “welding” → Welding and Materials Joining"
    plain = index(Weights(understood_factor=0.0)).recommend(student("welding"), k=5)
    by_id = {r.offering_id: r.score for r in plain}
    assert by_id[4] < understood[0].score
    with pytest.raises(ValueError, match="understood_factor"):
        Weights(understood_factor=1.5)


FILLER_AND_WORDS = [
    "I", "want", "to", "be", "the", "one", "who", "helps", "people", "day", "idk", "lol",
    "nurse", "dogs", "fire", "department", "welding", "coding", "nurce", "hurt", "stuff",
]  # fmt: skip


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.sampled_from(FILLER_AND_WORDS), max_size=10).map(" ".join))
@example("fire I department")  # a phrase quoted with a capital between its words
def test_reasons_never_name_a_filler_word(interests: str) -> None:
    stop = stop_words()
    for rec in index().recommend(student(interests), k=5):
        for reason in rec.reasons:
            if m := WROTE.match(reason):
                words = m.group(1).lower().split()
                assert words[0] not in stop
                assert words[-1] not in stop
                assert m.group(1) in interests.lower()  # their own words (quotes are lower-cased)
            elif reason.startswith("Related to your interests: "):
                named = reason.removeprefix("Related to your interests: ").split(", ")
                assert not set(named) & stop


def test_a_pickled_index_reads_without_scikit_learn_or_the_word_list() -> None:
    """Web workers load the index another one built: the speller's tables travel with it."""
    data = pickle.dumps(index())
    script = (
        "import pickle, sys\n"
        "index = pickle.loads(sys.stdin.buffer.read())\n"
        "from matching import Student\n"
        "s = Student(id=1, grade=11, interests='nurce', latitude=38.44, longitude=-122.71)\n"
        "assert index.recommend(s)[0].offering_id == 1\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'spellchecker'}))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        input=data,
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.decode().strip() == "[]"


def test_concepts_compile_with_any_analyzer() -> None:
    concepts = Concepts({"Patient Care": ["the nurse"]}, {}, WordAnalyzer(frozenset({"the"})))
    assert concepts.stems == frozenset({"nurs"})
    assert concepts.surface_words == frozenset({"nurse"})


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook dynamic programme."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text("abcn", max_size=6), st.text("abcn", max_size=6))
def test_one_slip_is_a_damerau_levenshtein_distance_of_one(a: str, b: str) -> None:
    from matching.concepts import _one_slip_away, _within_one_edit

    assert _within_one_edit(a, b) == (_osa_distance(a, b) <= 1)
    if a != b:
        assert (b in _one_slip_away(a)) == (_osa_distance(a, b) == 1)
