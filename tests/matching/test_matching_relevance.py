"""TF-IDF relevance: the fast query path equals scikit-learn's (with Snowball stems),
shared terms are true."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import snowballstemmer
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.relevance import STOP_WORDS, TextModel, WordAnalyzer, stop_words

WORDS = [
    "nurse", "nurses", "nursing", "patient", "patients", "hospital", "python", "coding",
    "code", "farm", "farming", "cattle", "the", "and", "want", "work", "people", "fire",
]  # fmt: skip
texts = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)


def reference_analyzer() -> Callable[[str], list[str]]:
    """scikit-learn's default word analyzer with our stop words, then Snowball's English
    stemmer, written independently of the library's code."""
    words = TfidfVectorizer(stop_words=list(STOP_WORDS)).build_analyzer()
    english = snowballstemmer.stemmer("english")
    return lambda text: english.stemWords(words(text))


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(texts, min_size=1, max_size=6), st.lists(texts, min_size=1, max_size=6))
def test_queries_equal_the_fitted_vectorizer(documents: list[str], queries: list[str]) -> None:
    model = TextModel(documents, ["Patient Care"])
    reference = TfidfVectorizer(analyzer=reference_analyzer(), sublinear_tf=True)
    try:
        reference.fit([*documents, "Patient Care"])
    except ValueError:  # nothing but stop words: no text signal at all
        assert model.queries(queries).nnz == 0
        return
    np.testing.assert_allclose(
        model.queries(queries).toarray(), reference.transform(queries).toarray(), atol=1e-12
    )


def test_shared_terms_are_the_strongest_common_words() -> None:
    model = TextModel(
        ["nurse patient hospital", "python coding", "farm cattle patient"], ["Patient Care"]
    )
    q = model.queries(["patient nurse python", "nothing in common", "cattle patient"])
    shared = model.shared_terms(q, np.array([0, 0, 1, 2, 2]), np.array([0, 1, 0, 2, 0]))
    assert sorted(shared[0]) == ["nurse", "patient"]
    assert shared[1] == ["python"]
    assert shared[2] == []
    assert sorted(shared[3]) == ["cattle", "patient"]
    assert shared[4] == ["patient"]
    # the word that contributes most to the cosine comes first: "nurse" is rarer
    assert shared[0][0] == "nurse"
    assert model.shared_terms(q, np.array([0]), np.array([0]), limit=1) == [["nurse"]]


def test_empty_catalog_has_no_text_signal() -> None:
    model = TextModel([], [])
    assert model.queries(["nurse"]).nnz == 0
    assert model.shared_terms(model.queries(["nurse"]), np.array([0]), np.array([0])) == [[]]


def test_filler_and_common_words_are_never_named() -> None:
    """Domain filler is not even in the vocabulary; a word in more than the given share of
    the documents (and in enough of them) scores but is not named."""
    documents = [f"{trade} questions" for trade in ("nurse", "welder", "coder", "baker")]
    model = TextModel(documents, common_share=0.5, common_min_documents=3)
    q = model.queries(["I want to work as a nurse and ask questions"])
    assert model.shared_terms(q, np.array([0]), np.array([0])) == [["nurse"]]
    assert model.queries(["want to work"]).nnz == 0  # filler: not in the vocabulary
    assert model.queries(["questions"]).nnz == 1  # it still counts in the cosine
    # below the minimum number of documents, a share is no reason to hide a word
    lenient = TextModel(documents, common_share=0.5, common_min_documents=5)
    q = lenient.queries(["nurse questions"])
    assert sorted(lenient.shared_terms(q, np.array([0]), np.array([0]))[0]) == [
        "nurse",
        "questions",
    ]


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | texts)
def test_the_word_analyzer_equals_scikit_learns_then_stems(text: str) -> None:
    """Our analyzer is picklable without scikit-learn; it must cut text as scikit-learn's
    default word analyzer does (any language, digits, punctuation, case), then stem each
    word as Snowball's English stemmer does; ``spans`` points at those words."""
    analyzer = WordAnalyzer(stop_words())
    words = TfidfVectorizer(stop_words=list(STOP_WORDS)).build_analyzer()(text)
    assert analyzer.words(text) == words
    assert analyzer(text) == reference_analyzer()(text)
    lower = text.lower()
    assert [lower[start:end] for _, start, end in analyzer.spans(text)] == words


def test_stems_join_the_forms_of_a_word_and_name_it_as_written() -> None:
    model = TextModel(["Registered nurse", "nursing assistant", "school nurses"])
    q = model.queries(["I love nursing"])
    assert q.nnz == 1  # nurse, nursing and nurses are one term
    shared = model.shared_terms(q, np.array([0, 0, 0]), np.array([0, 1, 2]))
    assert shared == [["nurse"], ["nurse"], ["nurse"]]  # the catalog's most common form


def test_filler_of_students_writing_is_no_term_and_fire_is_one() -> None:
    model = TextModel(["fire department ride-along", "people person day camp"])
    assert model.queries(["idk lol people day"]).nnz == 0
    assert model.queries(["the fire department"]).nnz == 2


def test_a_pickled_model_loads_without_scikit_learn() -> None:
    """What the web app's workers rely on when they load the index another one wrote."""
    import pickle
    import subprocess
    import sys

    model = pickle.dumps(TextModel(["nurse patient hospital", "python coding"], ["Care"]))
    script = (
        "import pickle, sys\n"
        "model = pickle.loads(sys.stdin.buffer.read())\n"
        "assert model.queries(['a nurse']).nnz == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        input=model,
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.decode().strip() == "[]"
