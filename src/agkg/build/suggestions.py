"""Suggesting what a curator meant by an unknown property, qualifier or entity id.

Spelling alone (``iskp2`` → ``iskp``) misses the commonest mistake: a curator writes the word
they think in (``ledBy``, ``headedBy``, ``ttp``) rather than agkg's name (``leader``,
``pakistani-taliban``). So every candidate is compared under all of its names: the name itself
(with camelCase and hyphens read as words, so ``ledBy`` is "led by"), its labels and aliases
(``skos:altLabel`` for properties, ``aliases:`` for entities) and, for a property aligned with
Wikidata, the Wikidata property's label. Names are compared case- and accent-insensitively.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from agkg.build.alignment import WIKIDATA_PROPERTY_LABELS, wikidata_mapping
from agkg.build.ontology import Vocabulary, term_texts

# The old spelling-only cutoff on the raw name (difflib's default); names compared by meaning
# need a closer match, since a short alias ("head") is near many short words.
SPELLING_CUTOFF = 0.6
MEANING_CUTOFF = 0.8
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[\W_]+")
_WIKIDATA_PROPERTY = re.compile(r"^P[1-9][0-9]*$")


@dataclass(frozen=True)
class Suggestion:
    """A candidate the curator may have meant, and the name of it that matched their word."""

    candidate: str  # what to write instead: a property name or an entity id
    name: str  # the candidate itself, or the label/alias that matched
    score: float

    @property
    def by_name(self) -> bool:
        """True when another name of the candidate matched, not its own spelling."""
        return self.name != self.candidate


@lru_cache(maxsize=1 << 16)
def fold_name(text: str) -> str:
    """``text`` as names are compared: camelCase split, accents dropped, case folded, and any
    run of punctuation, hyphens or spaces one space (``ISIS-K`` → "isis k", ``ledBy`` → "led by")."""
    spaced = _CAMEL.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", spaced)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


class NameIndex:
    """Candidates and all their names, folded once, for many look-ups (a loader reports every
    unknown id of a run against the same entities)."""

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        self.candidates = list(names)
        # (folded name, the name as written, candidate), every name of every candidate
        self.folded: list[tuple[str, str, str]] = []
        self.exact: dict[str, list[tuple[str, str]]] = {}
        # character pair -> the positions in ``folded`` of the names that have it
        self.pairs: dict[str, list[int]] = defaultdict(list)
        for candidate, others in names.items():
            for name in (candidate, *others):
                folded = fold_name(name)
                if folded:
                    for pair in _pairs(folded):
                        self.pairs[pair].append(len(self.folded))
                    self.folded.append((folded, name, candidate))
                    self.exact.setdefault(folded, []).append((name, candidate))

    def suggest(self, word: str, limit: int = 3) -> list[Suggestion]:
        """The candidates ``word`` most likely means, best first (ties kept, at most ``limit``).

        A candidate matches by its own spelling (as ``difflib.get_close_matches`` did before)
        or by any of its names, folded; a name equal to the folded word wins outright.
        """
        target = fold_name(word)
        hits = self.exact.get(target, []) if target else []
        if hits:
            found = {c: Suggestion(c, n, 1.0) for n, c in reversed(hits)}  # first name written wins
            return sorted(found.values(), key=lambda s: s.candidate)[:limit]
        best: dict[str, Suggestion] = {}
        raw = difflib.SequenceMatcher(autojunk=False)
        raw.set_seq2(word)
        for candidate in self.candidates:
            if _may_reach(len(word), len(candidate), SPELLING_CUTOFF):
                raw.set_seq1(candidate)
                if raw.quick_ratio() >= SPELLING_CUTOFF and (ratio := raw.ratio()) >= SPELLING_CUTOFF:
                    best[candidate] = Suggestion(candidate, candidate, ratio)
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(target)
        # only names sharing at least half the word's character pairs can be this close; the
        # pair index finds them without comparing the word with every name of every entity
        wanted = _pairs(target)
        shared = Counter(i for pair in wanted for i in self.pairs.get(pair, ()))
        for position, count in sorted(shared.items()):
            folded, name, candidate = self.folded[position]
            if 2 * count < len(wanted) or not _may_reach(len(target), len(folded), MEANING_CUTOFF):
                continue
            matcher.set_seq1(folded)
            if matcher.quick_ratio() < MEANING_CUTOFF:
                continue
            score = matcher.ratio()
            known = best.get(candidate)
            if score >= MEANING_CUTOFF and (known is None or score > known.score):
                best[candidate] = Suggestion(candidate, name, score)
        if not best:
            return []
        top = max(s.score for s in best.values())
        return sorted((s for s in best.values() if s.score == top), key=lambda s: s.candidate)[:limit]


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _may_reach(a: int, b: int, cutoff: float) -> bool:
    """Can two strings of lengths ``a`` and ``b`` have a difflib ratio of ``cutoff``? (At most
    2·min/(a+b): the cheap test ``real_quick_ratio`` makes, without a call per name.)"""
    return a + b > 0 and 2 * min(a, b) >= cutoff * (a + b)


def suggest(word: str, names: Mapping[str, Iterable[str]] | NameIndex, limit: int = 3) -> list[Suggestion]:
    """The candidates ``word`` most likely means (see ``NameIndex.suggest``); ``names`` maps
    each candidate to its other names, or is an index of them built before."""
    index = names if isinstance(names, NameIndex) else NameIndex(names)
    return index.suggest(word, limit)


def did_you_mean(word: str, names: Mapping[str, Iterable[str]] | NameIndex) -> str:
    """`` (did you mean 'x'?)``, naming the label or alias that matched when it was not the
    spelling (`` (did you mean 'leader', also called 'led by'?)``), or ``''``."""
    found = suggest(word, names)
    if not found:
        return ""
    shown = [_describe(s) for s in found]
    return f" (did you mean {' or '.join(shown)}?)"


def _describe(suggestion: Suggestion) -> str:
    if not suggestion.by_name or fold_name(suggestion.name) == fold_name(suggestion.candidate):
        return f"'{suggestion.candidate}'"
    if _WIKIDATA_PROPERTY.match(suggestion.name):
        return f"'{suggestion.candidate}', aligned with Wikidata {suggestion.name}"
    return f"'{suggestion.candidate}', also called '{suggestion.name}'"


def property_names(vocabulary: Vocabulary, properties: Iterable[str]) -> dict[str, list[str]]:
    """Every name of each property: its label, ``skos:altLabel``s and its Wikidata property's
    label (direct alignments only: an inherited one names the super-property's meaning)."""
    texts = term_texts(vocabulary)
    aligned = wikidata_mapping(vocabulary).properties
    result: dict[str, list[str]] = {}
    for name in properties:
        text = texts.get(name)
        found = [text.label, *text.alt_labels] if text else []
        alignment = aligned.get(name)
        if alignment is not None and alignment.via == name:
            label = WIKIDATA_PROPERTY_LABELS.get(alignment.wikidata)
            found.extend(n for n in (label, alignment.wikidata) if n)
        result[name] = [n for n in found if n]
    return result
