"""Finding what a sentence names: known entities by every label and alias, names the dataset
lacks, dates, and quantities.

Matching is exact (a label, or its plural), never fuzzy, so that every entity a draft proposes
is written in its quote; rapidfuzz only flags a new name that looks like a known label, so the
curator links it instead of creating a duplicate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from agkg.curation.dating import parse_date


@dataclass(frozen=True)
class KnownEntity:
    id: str
    type: str
    names: tuple[str, ...]  # labels and aliases, every language


@dataclass(frozen=True)
class Mention:
    """Words at ``start:end`` of the text naming one entity (or several: then it is ambiguous)."""

    start: int
    end: int
    surface: str
    ids: tuple[str, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.ids) > 1


@dataclass(frozen=True)
class NewName:
    """A proper name no entity has; ``looks_like`` is a known label it nearly matches."""

    start: int
    end: int
    surface: str
    type: str
    looks_like: str | None


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    surface: str
    iso: str


@dataclass(frozen=True)
class Quantity:
    """A number as printed, with its unit or currency, and whether it was hedged."""

    start: int
    end: int
    surface: str
    value: str  # lexical form, integer or decimal
    unit: str | None  # a noun ("fighters") or an ISO 4217 currency code
    approximate: bool
    bound: str | None  # "minimum" ("more than") or "maximum" ("up to")


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\s+\d{{4}}"
    r"|(?:1[89]|20)\d{2}(?:-\d{2}(?:-\d{2})?)?)\b"
)
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50, "hundred": 100,
}  # fmt: skip
_SCALE = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_CURRENCY = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "₹": "INR", "Rs": "INR"}
_HEDGE = r"(?P<hedge>about|around|some|nearly|almost|roughly|approximately|an estimated|estimated|more than|over|at least|up to|fewer than|less than)\s+"
_QUANTITY = re.compile(
    rf"(?:{_HEDGE})?(?P<cur>US\$|\$|£|€|₹)?\s?(?P<num>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<scale>thousand|million|billion))?"
    r"(?:\s+(?P<unit>fighters|members|militants|troops|soldiers|people|men|recruits|civilians|deaths|dead))?"
)
_NAME = re.compile(
    r"(?<![\w\u2019'-])(?:[A-Z][\w\u2019'-]*|[A-Z]{2,})(?:[ \t]+(?:(?:of|the|for|al|de|bin)[ \t]+)*(?:[A-Z][\w\u2019'-]*))*"
)
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "It",
        "Its",
        "By",
        "For",
        "From",
        "With",
        "As",
        "And",
        "But",
        "Or",
        "If",
        "When",
        "While",
        "Since",
        "After",
        "Before",
        "Over",
        "Under",
        "This",
        "That",
        "These",
        "Those",
        "Yes",
        "No",
        "Unlike",
        "Within",
        "Where",
        "What",
        "Who",
        "Why",
        "How",
        "Are",
        "They",
        "He",
        "She",
        "We",
        "I",
        "Some",
        "Many",
        "Dr",
        "Mr",
        "Mrs",
        "Ms",
        "According",
        "Quoting",
        "Comments",
        "Subscribe",
        "Advertisement",
        *_MONTHS.split("|"),
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
)


class EntityIndex:
    """Every label and alias of every entity, compiled into one longest-first pattern."""

    def __init__(self, entities: list[KnownEntity]) -> None:
        self.entities = {e.id: e for e in entities}
        owners: dict[str, set[str]] = defaultdict(set)
        for entity in entities:
            for name in surface_names(entity):
                owners[name].add(entity.id)
        self.owners = {name: tuple(sorted(ids)) for name, ids in owners.items()}
        self.lower = {name.lower(): name for name in self.owners}
        names = sorted(self.owners, key=lambda n: (-len(n), n))
        alternatives = [_name_pattern(n) for n in names]
        self.pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])" if alternatives else r"(?!)"
        )

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        found = []
        for match in self.pattern.finditer(text, start, len(text) if end is None else end):
            surface = match.group(0)
            name = self._owner_name(surface)
            if name is not None:
                found.append(Mention(match.start(), match.end(), surface, self.owners[name]))
        return found

    def _owner_name(self, surface: str) -> str | None:
        for candidate in (surface, surface[:-1], surface[:-2]):  # plural forms: label + s / es
            if candidate in self.owners:
                return candidate
            folded = candidate[:1].lower() + candidate[1:]
            if folded in self.owners and folded[:1].islower():
                return folded
        return None

    def new_names(self, text: str, start: int, end: int, known: list[Mention]) -> list[NewName]:
        """Capitalised names in ``text[start:end]`` that no known mention covers."""
        taken = [(m.start, m.end) for m in known]
        result = []
        for match in _NAME.finditer(text, start, end):
            words = match.group(0).split()
            while words and words[0].rstrip(".") in _NOT_NAMES:
                words = words[1:]
            while words and words[-1].lower() in ("of", "the", "for", "al", "de", "bin"):
                words = words[:-1]
            if not words:
                continue
            surface = " ".join(words)
            if surface.endswith(("\u2019s", "'s")):
                surface = surface[:-2]
            first = match.start() + match.group(0).index(words[0])
            last = first + len(surface)
            if any(s < last and first < e for s, e in taken):
                continue
            if len(words) < 2 and not (surface.isupper() and len(surface) >= 3):
                continue
            looks_like = process.extractOne(surface, list(self.owners), scorer=fuzz.ratio, score_cutoff=88)
            result.append(
                NewName(
                    first,
                    last,
                    surface,
                    guess_type(surface, text[last : last + 40]),
                    looks_like[0] if looks_like else None,
                )
            )
        return result


def surface_names(entity: KnownEntity) -> list[str]:
    """How an entity may be written: its labels and aliases, and for an ideology ("jihadism")
    the adjective of its label ("jihadist"), which is how news names one."""
    names = [n.strip() for n in entity.names if n.strip()]
    if entity.type == "Ideology":
        names += [n[:-3] + "ist" for n in names if n.endswith("ism")]
    return names


def _name_pattern(name: str) -> str:
    body = r"\s+".join(re.escape(part) for part in name.split())
    if name[:1].islower():  # a lowercase label may open a sentence
        body = f"[{re.escape(name[0])}{re.escape(name[0].upper())}]" + body[len(re.escape(name[0])) :]
    return body + "(?:e?s)?"


def guess_type(name: str, after: str) -> str:
    """A first guess at a new entity's class, from its head noun or what follows it."""
    last = name.split()[-1].lower()
    if last in (
        "network",
        "group",
        "movement",
        "taliban",
        "state",
        "front",
        "army",
        "brigade",
        "brigades",
        "jamaat",
        "lashkar",
    ):
        return "ArmedGroup"
    if last in ("university", "academy", "college"):
        return "University"
    if last in ("institute", "foundation", "program", "programme", "centre", "center", "council"):
        return "ResearchInstitute"
    if last in ("agency", "agencies", "intelligence"):
        return "IntelligenceAgency"
    if last in ("prison", "airport", "base", "hotel", "embassy"):
        return "Facility"
    if last in ("index",):
        return "Index"
    if last in ("province",):
        return "Province"
    if last in ("forces", "force", "police", "military"):
        return "SecurityForce"
    if last in ("government", "ministry"):
        return "Government"
    if re.match(r",\s+(?:a|an|the)\s", after) or re.match(r"\s+(?:said|told|says|wrote)\b", after):
        return "Person"
    return "Organization"


def dates_in(text: str, start: int, end: int, language: str) -> list[DateMention]:
    result = []
    for match in _DATE.finditer(text, start, end):
        iso = parse_date(match.group(0), language)
        if iso is not None:
            result.append(DateMention(match.start(), match.end(), match.group(0), iso))
    return result


def quantities_in(text: str, start: int, end: int) -> list[Quantity]:
    """Counts with a unit and sums of money; bare numbers (years, ranks) are not quantities."""
    result = []
    for match in _QUANTITY.finditer(text, start, end):
        currency = match.group("cur")
        unit = match.group("unit")
        number = match.group("num").replace(",", "")
        if not (currency or unit) or (_DATE.fullmatch(match.group("num")) and not currency):
            continue
        scale = _SCALE.get(match.group("scale") or "", 1)
        value = _scaled(number, scale)
        hedge = (match.group("hedge") or "").lower()
        bound = "minimum" if hedge in ("more than", "over", "at least") else None
        bound = "maximum" if hedge in ("up to", "fewer than", "less than") else bound
        result.append(
            Quantity(
                start=match.start(),
                end=match.end(),
                surface=match.group(0),
                value=value,
                unit=_CURRENCY[currency] if currency else unit,
                approximate=bool(hedge) and bound is None,
                bound=bound,
            )
        )
    return result


def _scaled(number: str, scale: int) -> str:
    if "." in number:
        whole, fraction = number.split(".")
        digits = whole + fraction
        zeros = len(str(scale)) - 1 - len(fraction)
        if zeros >= 0:
            return str(int(digits + "0" * zeros))
        return number
    return str(int(number) * scale)


def number_word(word: str) -> int | None:
    """``four`` → 4, ``12`` → 12: ranks and counts printed in words."""
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word.lower())
