"""Entities by name: finding one by any label or alias, and names two entities share.

Whether an entity already exists is the first question before writing a claim, and its answer
was a grep through ``data/entities/``, which misses "Haqqani" for "Ḥaqqānī" and aliases in other
languages. A second entity under a new id with the label of an existing one is the usual way the
same group ends up in the dataset twice; it is legal (two groups can share a name), so it is a
warning naming both places, never an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from agkg.build.claims import Entity
from agkg.build.ontology import Vocabulary
from agkg.build.suggestions import did_you_mean, fold_name
from agkg.errors import ConfigurationError
from agkg.vocab import AGKG

# how well a search matched, best first
EXACT, WORD_START, CONTAINS = 3, 2, 1


@dataclass(frozen=True)
class EntityMatch:
    """An entity a search found, and which of its names matched (its id, a label, an alias)."""

    entity: Entity
    matched: str
    score: int


def entity_names(entity: Entity) -> list[tuple[str, str, str]]:
    """Every (language, kind, name) of an entity: labels, then aliases, in file order."""
    names = [(language, "label", label) for language, label in entity.labels.items()]
    names.extend(
        (language, "alias", alias) for language, aliases in entity.aliases.items() for alias in aliases
    )
    return names


def search_entities(
    entities: dict[str, Entity],
    vocabulary: Vocabulary,
    text: str | None = None,
    type_name: str | None = None,
) -> list[EntityMatch]:
    """Entities whose id, Wikidata id, label or alias (any language) contains ``text``, ignoring
    case and accents, of type ``type_name`` or a subclass; best matches first, then by id.

    Without ``text`` every entity (of the type) is listed. An unknown type is a
    ConfigurationError with a suggestion.
    """
    if type_name is not None and type_name not in vocabulary.superclasses:
        known: dict[str, list[str]] = {name: [] for name in vocabulary.classes}
        raise ConfigurationError(f"unknown type '{type_name}'{did_you_mean(type_name, known)}")
    wanted = fold_name(text) if text is not None else ""
    matches: list[EntityMatch] = []
    for entity in entities.values():
        if type_name is not None and not vocabulary.is_a(entity.type, AGKG.term(type_name)):
            continue
        if not wanted:
            matches.append(EntityMatch(entity, "", 0))
            continue
        best: EntityMatch | None = None
        for name in _searchable(entity):
            folded = fold_name(name)
            score = max(_score(wanted, folded), _score(wanted.replace(" ", ""), folded.replace(" ", "")))
            if score and (best is None or score > best.score):
                best = EntityMatch(entity, name, score)
        if best is not None:
            matches.append(best)
    return sorted(matches, key=lambda m: (-m.score, m.entity.id))


def _searchable(entity: Entity) -> Iterable[str]:
    yield entity.id
    if entity.wikidata:
        yield entity.wikidata
    for _, _, name in entity_names(entity):
        yield name


def _score(wanted: str, name: str) -> int:
    if not wanted or not name:
        return 0
    if name == wanted:
        return EXACT
    if name.startswith(wanted) or f" {wanted}" in name:
        return WORD_START
    return CONTAINS if wanted in name else 0


@dataclass(frozen=True)
class SharedName:
    """Two entities with the same label or alias in one language (case and accents aside)."""

    language: str
    first: Entity
    first_name: str
    first_kind: str  # "label" or "alias"
    second: Entity
    second_name: str
    second_kind: str

    def __str__(self) -> str:
        theirs = (
            f"its {self.language} {self.first_kind}"
            if self.first_name == self.second_name
            else f"'{self.first_name}' as its {self.language} {self.first_kind}"
        )
        return (
            f"{self.second.position}: entity '{self.second.id}' has the {self.language} "
            f"{self.second_kind} '{self.second_name}', which entity '{self.first.id}' "
            f"({self.first.position}) has as {theirs}: the same thing twice? "
            "merge them, or tell them apart with a description"
        )


def shared_names(entities: Iterable[Entity]) -> list[SharedName]:
    """Every later entity sharing a name with an earlier one (in file order), once per pair and
    language; the language tag is compared case-insensitively, as BCP 47 says."""
    holders: dict[tuple[str, str], list[tuple[Entity, str, str]]] = defaultdict(list)
    for entity in sorted(entities, key=lambda e: e.position):
        for language, kind, name in entity_names(entity):
            holders[(language.lower(), fold_name(name) or name)].append((entity, name, kind))
    found: dict[tuple[str, str, str], SharedName] = {}
    for (language, _), owners in holders.items():
        first, first_name, first_kind = owners[0]
        for entity, name, kind in owners[1:]:
            key = (language, first.id, entity.id)
            if entity.id != first.id and key not in found:
                found[key] = SharedName(language, first, first_name, first_kind, entity, name, kind)
    return sorted(found.values(), key=lambda s: (s.second.position, s.first.position, s.language))


def shared_name_warnings(entities: Iterable[Entity]) -> list[str]:
    """The build's warnings for names entities share (see ``shared_names``)."""
    return [str(shared) for shared in shared_names(entities)]
