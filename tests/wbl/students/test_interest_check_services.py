"""The interest check's use cases: suggestions that save nothing, and a confirmation that adds
to the profile without taking anything away, within the profile's limits."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.support.builders import make_student, make_user, pathway
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.students import services
from wbl.students.services import (
    MAX_INTERESTS_CHARS,
    AddedFromCheck,
    InterestCheckChoice,
    StaleInterestCheck,
    apply_interest_check,
    interest_check_result,
)

CARE = "care_for_people"  # Patient Care, Emergency Response, ... "helping people", ...
SAFETY = "safety_and_fairness"  # Public Safety, Emergency Response, Legal Practices
ANIMALS = "animals_and_nature"


def _choice(
    statements: tuple[str, ...], pathways: Sequence[str] = (), words: tuple[str, ...] = ()
) -> InterestCheckChoice:
    return InterestCheckChoice(
        statement_ids=statements,
        pathway_ids=frozenset(pathway(code).id for code in pathways),
        words=frozenset(words),
    )


def _state(student) -> tuple[list[str], str]:
    db.session.expire(student)
    return sorted(p.code for p in student.pathways), student.interests


def test_suggestions_rank_pathways_by_answers_and_save_nothing() -> None:
    student = make_student(pathways=[])
    before = _state(student)
    result = interest_check_result(student.user, [SAFETY, CARE])
    assert [s.id for s in result.statements] == [CARE, SAFETY]  # page order
    ranked = [(s.pathway.code, s.votes) for s in result.new_pathways]
    assert ranked[0] == ("public_services.emergency_response", 2)
    assert ranked[1:3] == [("health.patient_care", 1), ("public_services.public_safety", 1)]
    assert len(ranked) == services.MAX_SUGGESTIONS
    assert result.pre_checked == [pathway(code).id for code, _ in ranked[:3]]
    # "helping people" is left out: the builder's interests say it already.
    assert result.new_words == (
        "health care",
        "first aid",
        "firefighting",
        "law",
        "keeping people safe",
    )
    assert result.all_words[0] == "helping people"
    assert _state(student) == before


def test_suggestions_know_what_is_on_the_profile_and_how_much_room_is_left() -> None:
    student = make_student(
        pathways=[pathway("health.patient_care"), pathway("education.education")]
    )
    result = interest_check_result(student.user, [CARE])
    assert [s.pathway.code for s in result.on_profile] == ["health.patient_care"]
    assert "health.patient_care" not in [s.pathway.code for s in result.new_pathways]
    assert result.free_slots == 1
    assert result.pre_checked == [pathway("public_services.emergency_response").id]


def test_a_retired_pathway_or_sector_is_never_suggested() -> None:
    student = make_student(pathways=[])
    pathway("public_services.emergency_response").active = False
    pathway("health.patient_care").sector.active = False
    db.session.flush()
    codes = [s.pathway.code for s in interest_check_result(student.user, [CARE]).new_pathways]
    assert codes == []  # Patient Care's sector holds every other CARE pathway, all retired


def test_confirming_adds_pathways_and_words_and_keeps_what_the_student_had() -> None:
    student = make_student(pathways=[pathway("agriculture.animal_science")])
    student.interests = "I ride horses every weekend."
    added = apply_interest_check(
        student.user,
        _choice(
            (CARE, SAFETY),
            ["public_services.emergency_response", "health.patient_care"],
            ("first aid", "law"),
        ),
    )
    assert added == AddedFromCheck(
        pathways=("Emergency Response", "Patient Care"), words=("first aid", "law")
    )
    assert _state(student) == (
        [
            "agriculture.animal_science",
            "health.patient_care",
            "public_services.emergency_response",
        ],
        "I ride horses every weekend.\nfirst aid, law",
    )


def test_confirming_twice_changes_nothing_the_second_time() -> None:
    student = make_student(pathways=[])
    choice = _choice((ANIMALS,), ["agriculture.animal_science"], ("animals", "nature"))
    apply_interest_check(student.user, choice)
    once = _state(student)
    again = apply_interest_check(student.user, choice)  # a second tab, or the back button
    assert _state(student) == once
    assert again == AddedFromCheck(pathways=(), words=())
    assert once[1] == "I like helping people and biology\nanimals, nature"


def test_only_words_or_only_pathways_may_be_added() -> None:
    student = make_student(pathways=[])
    apply_interest_check(student.user, _choice((ANIMALS,), words=("plants",)))
    assert _state(student) == ([], "I like helping people and biology\nplants")
    apply_interest_check(student.user, _choice((ANIMALS,), ["agriculture.animal_science"]))
    assert _state(student) == (
        ["agriculture.animal_science"],
        "I like helping people and biology\nplants",
    )


def _refused(student, choice: InterestCheckChoice, exception=DomainError) -> DomainError:
    before = _state(student)
    with pytest.raises(exception) as refusal:
        apply_interest_check(student.user, choice)
    assert _state(student) == before, "nothing half-saved"
    return refusal.value


def test_nothing_ticked_is_explained() -> None:
    student = make_student(pathways=[])
    error = _refused(student, _choice((CARE,)))
    assert "Nothing was ticked, so nothing was added." in error.message
    error = _refused(student, _choice(()))
    assert error.message.startswith("Tick at least one statement")
    assert error.field == "statements"
    with pytest.raises(DomainError, match="Tick at least one statement"):
        interest_check_result(student.user, [])


@pytest.mark.parametrize("ids", [("no_such_statement",), (CARE, "care_for_pets"), ("",)])
def test_a_stale_or_unknown_statement_is_a_clear_error(ids: tuple[str, ...]) -> None:
    student = make_student(pathways=[])
    error = _refused(student, _choice(ids, words=("first aid",)), exception=StaleInterestCheck)
    assert error.message == (
        "The interest check has changed since you opened it. Please take it again."
    )
    with pytest.raises(StaleInterestCheck):
        interest_check_result(student.user, list(ids))


def test_pathways_and_words_must_be_the_ticked_statements_suggestions() -> None:
    student = make_student(pathways=[])
    error = _refused(student, _choice((CARE,), ["ict.networking"]))
    assert (error.message, error.field) == ("Choose pathways from the suggestions.", "pathway_ids")
    error = _refused(student, _choice((CARE,), words=("law",)))  # SAFETY's word, not CARE's
    assert (error.message, error.field) == ("Choose words from the suggestions.", "words")


def test_a_word_that_is_half_new_does_not_slip_through_with_the_rest() -> None:
    """One unknown word refuses the whole confirmation: a valid pathway is not saved alone."""
    student = make_student(pathways=[])
    _refused(student, _choice((CARE,), ["health.patient_care"], ("first aid", "<script>")))


def test_the_pathway_limit_holds_and_says_how_many_fit() -> None:
    student = make_student(
        pathways=[pathway("agriculture.animal_science"), pathway("education.education")]
    )
    error = _refused(
        student,
        _choice((CARE,), ["health.patient_care", "public_services.emergency_response"],
                ("first aid",)),
    )  # fmt: skip
    assert error.message == (
        "Your profile has room for 1 more pathway (up to 3 in all): untick some."
    )
    assert error.field == "pathway_ids"
    student.pathways.append(pathway("ict.networking"))
    db.session.flush()
    error = _refused(student, _choice((CARE,), ["health.patient_care"]))
    assert error.message.startswith("Your profile already has 3 pathways, the most it can have.")
    # Words alone still fit, and a pathway already on the profile costs no room.
    apply_interest_check(student.user, _choice((ANIMALS,), ["agriculture.animal_science"],
                                               ("plants",)))  # fmt: skip
    assert _state(student)[1].endswith("\nplants")
    assert len(student.pathways) == 3


def test_the_interests_length_limit_holds() -> None:
    student = make_student(pathways=[])
    student.interests = "x" * (MAX_INTERESTS_CHARS - 5)
    db.session.flush()
    error = _refused(student, _choice((CARE,), ["health.patient_care"], ("first aid",)))
    assert error.field == "words"
    assert error.message == (
        f"Your interests can be up to {MAX_INTERESTS_CHARS} characters long. Untick some "
        "words, or shorten what you wrote on your profile first."
    )
    apply_interest_check(student.user, _choice((CARE,), ["health.patient_care"]))
    assert len(_state(student)[1]) == MAX_INTERESTS_CHARS - 5


def test_the_profile_form_and_the_check_share_the_length_rule() -> None:
    student = make_student(pathways=[])
    update = services.ProfileUpdate(
        home_zip="95476",
        max_travel_miles=10,
        transportation=student.transportation,
        pathway_ids=frozenset(),
        interests="y" * (MAX_INTERESTS_CHARS + 1),
        availability=frozenset(),
    )
    with pytest.raises(DomainError, match="up to 1000 characters") as refusal:
        services.update_own_profile(student.user, update)
    assert refusal.value.field == "interests"


def test_a_student_without_a_profile_and_other_roles_are_refused() -> None:
    with pytest.raises(NotFound, match="Ask your teacher"):
        interest_check_result(make_user(roles={Role.STUDENT}), [CARE])
    with pytest.raises(Forbidden):
        apply_interest_check(make_user(roles={Role.TEACHER}), _choice((CARE,), words=("law",)))
