"""What students mean: their everyday words read as CTE pathways and sectors.

A ninth-grader who writes "my dog is my best friend" or "I want to be a nurce" means
Animal Science or Patient Care, but the catalog's words ("veterinary assistant", "vital
signs") are not theirs, and TF-IDF only sees shared words. The concept vocabulary,
``concepts.toml`` beside this module, is reviewed data: everyday words, activities and
occupation titles, each pointing to the pathways (or a whole sector) it suggests. Its
header says how a coordinator adds a word.

:class:`Concepts` is that file compiled for fast reading: every phrase is cut by the same
:class:`~matching.relevance.WordAnalyzer` as the catalog (stop words out, Snowball stems),
so "nurse" also finds "nursing" and "nurses", and "fire department" finds "the fire
department". A text is read left to right, the longest phrase (up to three words) first,
so "sports medicine" is Patient Care and not also "sports".

:class:`Speller` forgives one slip of the keyboard ("nurce", "mecanic", "wellding"): a
word unknown to both the catalog and the vocabulary is replaced by a word of the
vocabulary at Damerau-Levenshtein distance 1, found through an index of one-letter
deletions (the symmetric-delete method of SymSpell), so a look-up is a dozen dictionary
hits. A real word is never "corrected" ("places" is not a typo of "planes"): the English
words one slip away from the vocabulary that are common enough in pyspellchecker's word
frequency list (:data:`REAL_WORD_MIN_COUNT`) are kept as they are. Only words of five
letters or more are corrected: shorter ones have too many neighbours.

Pure: the file is read once (:func:`load_concepts`, cached) when an index is built; the
compiled tables pickle with the index, so a web worker that loads an index never reads it.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from matching.relevance import WordAnalyzer, stem

__all__ = [
    "CONCEPTS_FILE",
    "Concepts",
    "Match",
    "Speller",
    "load_concepts",
    "real_words_near",
    "speller_for",
]

#: The reviewed vocabulary shipped with the library.
CONCEPTS_FILE: Final = Path(__file__).with_name("concepts.toml")
#: Longest phrase, in meaningful words.
MAX_PHRASE: Final = 3
#: Shortest word the speller corrects, and shortest word it corrects to.
MIN_TYPO_LENGTH: Final = 5
MIN_KNOWN_LENGTH: Final = 4
#: Occurrences in pyspellchecker's English frequency list (subtitles) from which a word
#: is taken as a real word rather than a typo: "carpentry" has 709, "places" 77,425, the
#: typo "programing" 145.
REAL_WORD_MIN_COUNT: Final = 500
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Match:
    """One phrase found in a text: what it points to, and the words that said it."""

    pathways: frozenset[str]
    sectors: frozenset[str]
    #: The writer's own words (lower-cased, from the first to the last matched word,
    #: small words between included).
    quote: str


class Concepts:
    """The concept vocabulary compiled: phrases of stems -> pathway and sector names."""

    __slots__ = ("_phrases", "analyzer", "pathway_words", "sector_words", "surface_words")

    def __init__(
        self,
        pathways: Mapping[str, Sequence[str]],
        sectors: Mapping[str, Sequence[str]],
        analyzer: WordAnalyzer,
    ) -> None:
        """``pathways`` and ``sectors`` map a name to its words and phrases, as written."""
        self.analyzer = analyzer
        self.pathway_words: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in pathways.items()}
        self.sector_words: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in sectors.items()}
        targets: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}
        surface: set[str] = set()
        for kind, table in ((0, self.pathway_words), (1, self.sector_words)):
            for name, phrases in table.items():
                for phrase in phrases:
                    words = analyzer.words(phrase)
                    key = tuple(stem(w) for w in words)
                    if not key or len(key) > MAX_PHRASE:
                        continue  # only small words, or too long: see unread_phrases()
                    surface.update(words)
                    targets.setdefault(key, (set(), set()))[kind].add(name)
        self._phrases: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = {
            key: (frozenset(p), frozenset(s)) for key, (p, s) in targets.items()
        }
        #: Every meaningful word of the vocabulary as written: what the speller knows.
        self.surface_words: frozenset[str] = frozenset(surface)

    def phrases(self) -> Mapping[tuple[str, ...], tuple[frozenset[str], frozenset[str]]]:
        """Every phrase as stems -> the names of the pathways and sectors it points to."""
        return self._phrases

    @property
    def stems(self) -> frozenset[str]:
        """The stems of every word of every phrase."""
        return frozenset(s for key in self._phrases for s in key)

    def unread_phrases(self) -> list[str]:
        """Phrases that can never match: only stop words, or longer than :data:`MAX_PHRASE`."""
        return [
            phrase
            for table in (self.pathway_words, self.sector_words)
            for phrases in table.values()
            for phrase in phrases
            if not 0 < len(self.analyzer.words(phrase)) <= MAX_PHRASE
        ]

    def find(
        self,
        text: str,
        stems: Sequence[str] | None = None,
        spans: Sequence[tuple[str, int, int]] | None = None,
    ) -> list[Match]:
        """The phrases of ``text``, longest first at each word, left to right.

        ``stems`` replaces the stems of ``text``'s words (one each, e.g. spelling-corrected
        ones) and ``spans`` their places (``WordAnalyzer.spans``), when the caller has them;
        the quotes come from ``text`` (lower-cased, as the words are).
        """
        if spans is None:
            spans = self.analyzer.spans(text)
        text = text.lower()  # what the spans index
        if stems is None:
            stems = [stem(word) for word, _, _ in spans]
        found: list[Match] = []
        phrases, n, i = self._phrases, len(stems), 0
        while i < n:
            for size in range(min(MAX_PHRASE, n - i), 0, -1):
                target = phrases.get(tuple(stems[i : i + size]))
                if target is not None:
                    quote = text[spans[i][1] : spans[i + size - 1][2]]
                    found.append(Match(target[0], target[1], " ".join(quote.split())))
                    i += size
                    break
            else:
                i += 1
        return found


@functools.cache
def load_concepts(path: Path = CONCEPTS_FILE) -> Concepts:
    """The vocabulary of ``path`` (by default the shipped one), read once per process."""
    from matching.relevance import stop_words

    with path.open("rb") as file:
        data = tomllib.load(file)
    unknown = set(data) - {"pathway", "sector"}
    if unknown:
        raise ValueError(f"{path.name}: unknown table(s) {sorted(unknown)}")

    def words(kind: str) -> dict[str, list[str]]:
        table = data.get(kind, {})
        out: dict[str, list[str]] = {}
        for name, entry in table.items():
            listed = entry.get("words") if isinstance(entry, dict) else None
            if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                raise ValueError(f'{path.name}: [{kind}."{name}"] needs words = ["...", ...]')
            out[name] = listed
        return out

    return Concepts(words("pathway"), words("sector"), WordAnalyzer(stop_words()))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (a substitution, insertion, deletion or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True  # a substitution
        if len(diff) != 2 or diff[1] != diff[0] + 1:
            return False
        i, j = diff
        return a[i] == b[j] and a[j] == b[i]  # two neighbours swapped
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _one_slip_away(word: str) -> set[str]:
    """Every string one substitution, insertion, deletion or swap away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        *(a + c + b for a, b in splits for c in _LETTERS),
    }


def real_words_near(words: Iterable[str]) -> frozenset[str]:
    """The common English words one slip away from ``words`` (and not among them): what
    the speller must leave alone. Read from pyspellchecker's English word frequencies
    (about 0.2 s; :func:`speller_for` keeps the answer per vocabulary)."""
    from spellchecker import SpellChecker

    counts = SpellChecker(language="en").word_frequency.dictionary
    targets = {w for w in words if len(w) >= MIN_KNOWN_LENGTH and w.isalpha()}
    near = {v for w in targets for v in _one_slip_away(w) if len(v) >= MIN_TYPO_LENGTH}
    return frozenset(v for v in near - targets if counts.get(v, 0) >= REAL_WORD_MIN_COUNT)


@functools.cache
def speller_for(concepts: Concepts) -> Speller:
    """The speller of a vocabulary, built once per process."""
    return Speller(concepts.surface_words, real_words_near(concepts.surface_words))


class Speller:
    """Corrects a word to the vocabulary word one keyboard slip away, if there is one.

    ``real_words`` are left as they are. Among several candidates, the word sharing the
    first letter wins, then the most similar length, then alphabetical order: the same
    answer on every run.
    """

    __slots__ = ("_index", "_known", "_real")

    def __init__(self, known: Iterable[str], real_words: Iterable[str] = ()) -> None:
        self._known = frozenset(w for w in known if len(w) >= MIN_KNOWN_LENGTH and w.isalpha())
        self._real = frozenset(real_words)
        index: dict[str, list[str]] = {}
        for word in sorted(self._known):
            for key in (word, *_deletes(word)):
                index.setdefault(key, []).append(word)
        self._index = index

    def correct(self, word: str) -> str | None:
        """The known word ``word`` was probably meant to be; None when none is near (or
        ``word`` is known, or a real word, or too short to tell)."""
        if (
            len(word) < MIN_TYPO_LENGTH
            or word in self._known
            or word in self._real
            or not word.isalpha()
        ):
            return None
        index = self._index
        candidates = {
            known
            for key in (word, *_deletes(word))
            for known in index.get(key, ())
            if _within_one_edit(word, known)
        }
        if not candidates:
            return None
        return min(candidates, key=lambda c: (c[0] != word[0], abs(len(c) - len(word)), c))
