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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .alignment import WIKIDATA_PROPERTY_LABELS, wikidata_mapping
from .ontology import Vocabulary, term_texts

# The old spelling-only cutoff on the raw name (difflib's default); names compared by meaning
# need a closer match, since a short alias ("head") is near many short words.
SPELLING_CUTOFF = 0.6
MEANING_CUTOFF = 0.8
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[\W_]+")


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


def fold_name(text: str) -> str:
    """``text`` as names are compared: camelCase split, accents dropped, case folded, and any
    run of punctuation, hyphens or spaces one space (``ISIS-K`` → "isis k", ``ledBy`` → "led by")."""
    spaced = _CAMEL.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", spaced)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def suggest(word: str, names: Mapping[str, Iterable[str]], limit: int = 3) -> list[Suggestion]:
    """The candidates ``word`` most likely means, best first (ties kept, at most ``limit``).

    ``names`` maps each candidate to its other names. A candidate matches by its own spelling
    (as ``difflib.get_close_matches`` did before) or by any of its names, folded.
    """
    target = fold_name(word)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    raw = difflib.SequenceMatcher(autojunk=False)
    raw.set_seq2(word)
    best: dict[str, Suggestion] = {}
    for candidate, others in names.items():
        found: Suggestion | None = None
        raw.set_seq1(candidate)
        if raw.real_quick_ratio() >= SPELLING_CUTOFF and raw.quick_ratio() >= SPELLING_CUTOFF:
            ratio = raw.ratio()
            if ratio >= SPELLING_CUTOFF:
                found = Suggestion(candidate, candidate, ratio)
        for name in (candidate, *others):
            folded = fold_name(name)
            if not folded:
                continue
            if folded == target:
                score = 1.0
            else:
                matcher.set_seq1(folded)
                if matcher.real_quick_ratio() < MEANING_CUTOFF or matcher.quick_ratio() < MEANING_CUTOFF:
                    continue
                score = matcher.ratio()
                if score < MEANING_CUTOFF:
                    continue
            if found is None or score > found.score:
                found = Suggestion(candidate, name, score)
        if found is not None:
            best[candidate] = found
    if not best:
        return []
    top = max(s.score for s in best.values())
    return sorted((s for s in best.values() if s.score == top), key=lambda s: s.candidate)[:limit]


def did_you_mean(word: str, names: Mapping[str, Iterable[str]]) -> str:
    """`` (did you mean 'x'?)``, naming the label or alias that matched when it was not the
    spelling (`` (did you mean 'leader', also called 'led by'?)``), or ``''``."""
    found = suggest(word, names)
    if not found:
        return ""
    shown = [
        f"'{s.candidate}', also called '{s.name}'"
        if s.by_name and fold_name(s.name) != fold_name(s.candidate)
        else f"'{s.candidate}'"
        for s in found
    ]
    return f" (did you mean {' or '.join(shown)}?)"


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
