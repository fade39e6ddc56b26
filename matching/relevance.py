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
scikit-learn's default word analyzer: a model written to disk (the web app shares one
between its workers) loads without importing scikit-learn, which only fitting needs.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["DOMAIN_STOP_WORDS", "TextModel", "WordAnalyzer", "stop_words"]  # and STOP_WORDS

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
    }
)


@functools.cache
def stop_words() -> frozenset[str]:
    """What the analyzer ignores: scikit-learn's English stop words and ours."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS)


def __getattr__(name: str) -> tuple[str, ...]:
    """``STOP_WORDS``, sorted (as scikit-learn takes them), computed when first asked for."""
    if name == "STOP_WORDS":
        return tuple(sorted(stop_words()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: scikit-learn's default ``token_pattern``: words of two or more letters or digits.
_TOKEN: Final = re.compile(r"(?u)\b\w\w+\b")


class WordAnalyzer:
    """Text to the words that count: lower-cased, tokens of ``_TOKEN``, stop words left out.

    The same as scikit-learn's default word analyzer with these stop words (a test holds
    them equal on any text), as an object that pickles without scikit-learn.
    """

    __slots__ = ("stop_words",)

    def __init__(self, stop_words: frozenset[str]) -> None:
        self.stop_words = stop_words

    def __call__(self, text: str) -> list[str]:
        stop = self.stop_words
        return [token for token in _TOKEN.findall(text.lower()) if token not in stop]


class TextModel:
    """A TF-IDF model of a catalog: document vectors, query vectors, shared terms."""

    __slots__ = (
        "_analyze",
        "_common",
        "_doc_keys",
        "_idf",
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
        vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float64)
        self._analyze: WordAnalyzer | None = None
        self._vocabulary: dict[str, int] = {}
        self._idf: NDArray[np.float64] = np.zeros(1)
        self._names: NDArray[np.str_] = np.array([""], dtype=np.str_)
        try:
            vectorizer.fit([*documents, *extra_vocabulary])
        except ValueError:  # empty vocabulary: no text signal
            pass
        else:
            self._analyze = analyzer
            self._vocabulary = {str(t): int(j) for t, j in vectorizer.vocabulary_.items()}
            self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            self._names = np.asarray(vectorizer.get_feature_names_out(), dtype=np.str_)
        self.documents: sp.csr_matrix = self.queries(documents)
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

    def queries(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows for query texts in the catalog's vocabulary, l2-normalised.

        The same numbers as the fitted vectorizer's ``transform`` (sublinear tf times
        idf, unit length; a test holds them equal), computed directly: a single-student
        request should not pay for scikit-learn's input validation, which costs more than
        the arithmetic. Documents go through the same path.
        """
        n, vocabulary, analyze = len(texts), self._vocabulary, self._analyze
        if analyze is None:
            return sp.csr_matrix((n, self.vocabulary_size))
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for text in texts:
            seen: dict[int, int] = {}
            for token in analyze(text):
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
