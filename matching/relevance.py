"""Interest relevance: TF-IDF over the offering catalog.

Why TF-IDF: students describe interests in a few free words ("I like animals and fixing
engines"); offerings have a title, a description and skills. TF-IDF with cosine
similarity rewards the words an offering shares with the student, weighted by how rare
each word is in the catalog, needs no training data, and can say *which* words matched,
which turns straight into a reason the student can read.

The vocabulary is fitted on the catalog plus the CTE pathway and sector names, so a
student's query (their interests plus the names of their pathways and sectors) is
always expressed in known terms. Rows are l2-normalised, so a dot product is the cosine.

Words that say nothing about an interest never count: scikit-learn's English stop words
and :data:`DOMAIN_STOP_WORDS`, the filler of students' and partners' writing ("I *want*
to *work* with animals", "bring *work samples*"). A word that does count but that most of
the catalog uses ("questions", "supervisor") still scores, weighted down by its IDF, but
is not named as a shared interest: it tells the student nothing about this offering.

Words are cut by :class:`WordAnalyzer`, a small object of this module equal to
scikit-learn's default word analyzer followed by the Snowball English stemmer, so
"nurse", "nurses" and "nursing" are one term: a model written to disk (the web app shares
one between its workers) loads without importing scikit-learn, which only fitting needs.
A term is named (in reasons) by the word the catalog writes it with most often.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
import snowballstemmer
from numpy.typing import NDArray

__all__ = [
    "DOMAIN_STOP_WORDS",
    "KEPT_WORDS",
    "TextModel",
    "WordAnalyzer",
    "stem",
    "stop_words",
]  # and STOP_WORDS

#: Words of work-based learning writing that are no interest: wishes ("want", "like",
#: "love"), the work itself ("work", "job", "career", "experience"), and "samples" (work
#: samples, the portfolio's word). Kept short: every word here is ignored everywhere.
DOMAIN_STOP_WORDS: Final[frozenset[str]] = frozenset(
    {
        *("want", "wants", "wanted", "wanting", "like", "likes", "liked", "love", "loves"),
        *("enjoy", "enjoys", "interested", "interest", "interests", "curious", "hope"),
        *("hoping", "maybe", "really", "someday", "future", "things", "thing", "stuff"),
        *("lot", "lots", "work", "works", "working", "job", "jobs", "career", "careers"),
        *("learn", "learning", "experience", "experiences", "opportunity"),
        *("opportunities", "sample", "samples"),
        # how teenagers write: fillers that say nothing about an interest (issue 24: a
        # reason quoted "people" and "day")
        *("idk", "lol", "lmao", "wanna", "gonna", "kinda", "sorta", "im", "ive", "dont"),
        *("day", "days", "people", "person", "best", "friend", "friends", "cool", "fun"),
        *("honestly", "especially", "awesome", "good", "great", "pretty", "probably"),
        *("definitely", "guess", "think", "dream", "ok", "okay", "yeah", "cuz", "bc"),
        *("help", "helps", "helping", "helped", "bored", "time", "times", "actually"),
    }
)

#: Words of scikit-learn's list that do tell an interest: "fire" (the fire department),
#: "first" (first aid, first responder), "system(s)" (systems development), "mill"
#: (millwork).
KEPT_WORDS: Final[frozenset[str]] = frozenset({"fire", "first", "system", "mill"})


@functools.cache
def stop_words() -> frozenset[str]:
    """What the analyzer ignores: scikit-learn's English stop words (but
    :data:`KEPT_WORDS`) and ours."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset((ENGLISH_STOP_WORDS - KEPT_WORDS) | DOMAIN_STOP_WORDS)


def __getattr__(name: str) -> tuple[str, ...]:
    """``STOP_WORDS``, sorted (as scikit-learn takes them), computed when first asked for."""
    if name == "STOP_WORDS":
        return tuple(sorted(stop_words()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: scikit-learn's default ``token_pattern``: words of two or more letters or digits.
_TOKEN: Final = re.compile(r"(?u)\b\w\w+\b")

_STEMS: dict[str, str] = {}
_STEMS_MAX: Final = 200_000  # words remembered; a stem is computed again past that
_STEMMING: Final = threading.Lock()  # a Snowball stemmer object is not thread-safe


@functools.cache
def _english() -> Any:  # a Snowball EnglishStemmer (the package has no types)
    return snowballstemmer.stemmer("english")


def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word ("nursing" -> "nurs"), remembered:
    a catalog and its students use a few thousand distinct words."""
    found = _STEMS.get(word)
    if found is None:
        with _STEMMING:
            found = str(_english().stemWord(word))
        if len(_STEMS) < _STEMS_MAX:
            _STEMS[word] = found
    return found


class WordAnalyzer:
    """Text to the terms that count: lower-cased, tokens of ``_TOKEN``, stop words left
    out, each cut to its stem.

    :meth:`words` is the same as scikit-learn's default word analyzer with these stop
    words, and calling the analyzer stems those words (a test holds both on any text); it
    pickles without scikit-learn.
    """

    __slots__ = ("stop_words",)

    def __init__(self, stop_words: frozenset[str]) -> None:
        self.stop_words = stop_words

    def words(self, text: str) -> list[str]:
        """The meaningful words of ``text`` as written (lower-cased), not stemmed."""
        stop = self.stop_words
        return [token for token in _TOKEN.findall(text.lower()) if token not in stop]

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """:meth:`words` with where each one is in ``text`` (start, end), to quote it."""
        stop = self.stop_words
        return [
            (word, m.start(), m.end())
            for m in _TOKEN.finditer(text.lower())
            if (word := m.group()) not in stop
        ]

    def __call__(self, text: str) -> list[str]:
        return [stem(word) for word in self.words(text)]


class TextModel:
    """A TF-IDF model of a catalog: document vectors, query vectors, shared terms."""

    __slots__ = (
        "_analyze",
        "_common",
        "_doc_keys",
        "_idf",
        "_name_list",
        "_names",
        "_vocabulary",
        "documents",
    )

    def __init__(
        self,
        documents: Sequence[str],
        extra_vocabulary: Sequence[str] = (),
        *,
        common_share: float = 1.0,
        common_min_documents: int = 1,
    ) -> None:
        """Fit on ``documents`` + ``extra_vocabulary`` and vectorise the documents.

        A catalog whose texts are empty or only stop words has no text signal: every
        cosine is then 0, rather than an error that would take recommendations down.
        A term in more than ``common_share`` of the documents, and in at least
        ``common_min_documents`` of them (a share of a small catalog means little), is
        too common to be named by :meth:`shared_terms`.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        analyzer = WordAnalyzer(stop_words())
        words = [analyzer.words(text) for text in documents]
        stems = [[stem(w) for w in ws] for ws in words]
        extra = [analyzer(text) for text in extra_vocabulary]
        # the terms are stems: fit on the analysed texts as they are
        vectorizer = TfidfVectorizer(analyzer=_as_analysed, sublinear_tf=True, dtype=np.float64)
        self._analyze: WordAnalyzer | None = None
        self._vocabulary: dict[str, int] = {}
        self._idf: NDArray[np.float64] = np.zeros(1)
        self._names: NDArray[np.str_] = np.array([""], dtype=np.str_)
        try:
            vectorizer.fit([*stems, *extra])
        except ValueError:  # empty vocabulary: no text signal
            pass
        else:
            self._analyze = analyzer
            self._vocabulary = {str(t): int(j) for t, j in vectorizer.vocabulary_.items()}
            self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            self._names = np.asarray(
                _written_forms(
                    vectorizer.get_feature_names_out().tolist(),
                    itertools.chain.from_iterable(words),
                    itertools.chain(extra_vocabulary),
                    analyzer,
                ),
                dtype=np.str_,
            )
        self._name_list: list[str] = [str(name) for name in self._names.tolist()]
        self.documents: sp.csr_matrix = self.vectors(stems)
        # (document, term) pairs as sorted integer keys, to look weights up in bulk
        rows = np.repeat(np.arange(self.documents.shape[0]), np.diff(self.documents.indptr))
        self._doc_keys: NDArray[np.int64] = rows * self.vocabulary_size + self.documents.indices
        in_documents = np.bincount(self.documents.indices, minlength=self.vocabulary_size)
        self._common: NDArray[np.bool_] = (in_documents > common_share * len(documents)) & (
            in_documents >= common_min_documents
        )

    @property
    def vocabulary_size(self) -> int:
        """Number of columns of the document and query matrices."""
        return max(1, len(self._vocabulary))

    @property
    def analyzer(self) -> WordAnalyzer | None:
        """What cuts texts into terms; None when the catalog has no text signal."""
        return self._analyze

    def terms(self) -> frozenset[str]:
        """The catalog's terms (stems)."""
        return frozenset(self._vocabulary)

    def name_of(self, term: str) -> str:
        """The word the catalog writes a term with ("nurs" -> "nurse"); "" if unknown."""
        j = self._vocabulary.get(term)
        return "" if j is None else self._name_list[j]

    def queries(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows for query texts in the catalog's vocabulary, l2-normalised.

        The same numbers as the fitted vectorizer's ``transform`` (sublinear tf times
        idf, unit length; a test holds them equal), computed directly: a single-student
        request should not pay for scikit-learn's input validation, which costs more than
        the arithmetic. Documents go through the same path.
        """
        analyze = self._analyze
        if analyze is None:
            return sp.csr_matrix((len(texts), self.vocabulary_size))
        return self.vectors([analyze(text) for text in texts])

    def vectors(self, analysed: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """:meth:`queries` of texts already cut into terms (stems)."""
        n, vocabulary = len(analysed), self._vocabulary
        if not vocabulary:
            return sp.csr_matrix((n, self.vocabulary_size))
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for terms in analysed:
            seen: dict[int, int] = {}
            for token in terms:
                term = vocabulary.get(token)
                if term is not None:
                    seen[term] = seen.get(term, 0) + 1
            indices.extend(seen)
            counts.extend(seen.values())
            indptr.append(len(indices))
        cols = np.array(indices, dtype=np.int32)
        data = np.log(np.array(counts, dtype=np.float64)) + 1.0
        data *= self._idf[cols]
        rows = np.repeat(np.arange(n), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
        data /= norms[rows]
        matrix = sp.csr_matrix(
            (data, cols, np.array(indptr, dtype=np.int32)), shape=(n, self.vocabulary_size)
        )
        matrix.sort_indices()
        return matrix

    def shared_terms(
        self,
        queries: sp.csr_matrix,
        query_rows: NDArray[np.intp],
        documents: NDArray[np.intp],
        limit: int = 3,
    ) -> list[list[str]]:
        """For each (query row, document) pair, the terms they share, strongest first;
        terms too common in the catalog to tell anything are left out.

        Strength is the term's contribution to the cosine (query weight x document
        weight), so the words named are the ones that made the match; ties go to the
        term that sorts first. Vectorised over all pairs: every query term of every pair
        is looked up among the document's terms with one binary search, instead of set
        work per recommendation.
        """
        n = len(query_rows)
        if n == 0 or self._doc_keys.size == 0:
            return [[] for _ in range(n)]
        starts = queries.indptr[query_rows]
        lengths = queries.indptr[query_rows + 1] - starts
        pair = np.repeat(np.arange(n), lengths)
        # positions of every pair's query entries in the query matrix
        offsets = np.cumsum(lengths) - lengths
        at = np.arange(pair.size) - offsets[pair] + starts[pair]
        terms = queries.indices[at].astype(np.int64)
        keys = documents[pair].astype(np.int64) * self.vocabulary_size + terms
        found = np.searchsorted(self._doc_keys, keys)
        found[found == self._doc_keys.size] = 0
        hit = (self._doc_keys[found] == keys) & ~self._common[terms]
        pair, terms = pair[hit], terms[hit]
        strength = queries.data[at[hit]] * self.documents.data[found[hit]]
        # Entries are grouped by pair and within a pair by term id; one stable sort on
        # (pair, strongest first) keeps term order for equal strengths. Cosine weights
        # are in (0, 1], so "pair index + 1 - strength" orders pairs, then strength.
        order = np.argsort(pair + (1.0 - strength), kind="stable")
        pair, terms = pair[order], terms[order]
        rank = np.arange(pair.size) - np.searchsorted(pair, pair)  # place within its pair
        keep = rank < limit
        names = self._names[terms[keep]].tolist()
        bounds = np.concatenate(([0], np.cumsum(np.bincount(pair[keep], minlength=n)))).tolist()
        return [names[lo:hi] for lo, hi in itertools.pairwise(bounds)]


def _as_analysed(terms: list[str]) -> list[str]:
    """The analyzer of a vectorizer fitted on texts already cut into terms."""
    return terms


def _written_forms(
    terms: list[str],
    words: Iterable[str],
    extra_texts: Iterable[str],
    analyzer: WordAnalyzer,
) -> list[str]:
    """For each stem, the word that the documents write it with most often (ties: the
    shorter, then the first in alphabetical order); a stem only the extra vocabulary has
    is named by that vocabulary's word."""
    counts: Counter[str] = Counter(words)
    for text in extra_texts:
        for word in analyzer.words(text):
            counts.setdefault(word, 0)
    best: dict[str, tuple[int, int, str]] = {}
    for word, count in counts.items():
        key = (-count, len(word), word)
        term = stem(word)
        if term not in best or key < best[term]:
            best[term] = key
    return [best[t][2] if t in best else t for t in terms]
