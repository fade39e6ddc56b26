"""Small allocation markets for the matching property tests (deferred acceptance and the
welfare-optimal mode draw from the same ones)."""

from __future__ import annotations

from hypothesis import strategies as st

Prefs = dict[int, list[int]]
Instance = tuple[Prefs, Prefs, dict[int, int]]


@st.composite
def instances(draw: st.DrawFn, max_students: int = 5, max_offerings: int = 3) -> Instance:
    """Small markets, including unknown ids, duplicates and zero or negative capacity."""
    students = list(range(draw(st.integers(0, max_students))))
    offerings = [100 + i for i in range(draw(st.integers(0, max_offerings)))]
    strangers = [999]  # ids the other side does not know
    student_prefs = {
        s: draw(st.lists(st.sampled_from(offerings + strangers), max_size=len(offerings) + 2))
        for s in students
    }
    offering_prefs = {
        o: draw(st.lists(st.sampled_from(students + strangers), max_size=len(students) + 2))
        for o in offerings
    }
    capacities = {o: draw(st.integers(-1, 3)) for o in offerings}
    return student_prefs, offering_prefs, capacities
