"""Deterministic synthetic agkg projects: claim files (the pipeline's real input), not triples.

``generate_project(folder, triples=100_000, seed=7)`` writes a project folder holding
``agkg.toml``, ``data/sources``, ``data/entities``, ``data/claims`` (one file per source, as
curators write them) and ``corpus/`` (one text per source, found by its sha256), shaped like the
curated corpus:

- many sources (news articles and reports; a tenth are relayed reports with no text), each with
  authors, an outlet, a publication date and about 25 claims;
- entities of every kind the claims need (armed groups, people, posts, places, events, ideologies,
  unnamed sources) with labels in several languages (en, ps, fa, ar, ur) and aliases;
- relationships between groups, leaders holding posts with start and sometimes end dates,
  events with dates, places and perpetrators, member counts with qualifiers;
- claims attributed to named people, unnamed sources or the report an article relays (a few of
  them allegations), facts corroborated by several sources (one statement, several references),
  deprecated claims with a reason and a pointer to the better-supported claim, and a few
  preferred ones;
- at every scale, the few entities and the article the curated queries in ``queries/`` name
  (``iskp`` known as ISKP and ISIS-K, Nangarhar and Pakistan, the Global Terrorism Index, a prison
  release, the article headlined "What Is ISIS-K That Claimed Responsibility For Kabul Airport
  Blasts?") and a report with a leader succession, a death toll and a designation, so that every
  query matches rows and its timing compares real work, not the
  overhead of an empty answer.

The same seed and size always give the same bytes (Python's ``random.Random`` with a fixed seed
is stable across runs and platforms). In the Wikibase model about 29 output triples come from a
claim (with its value nodes and reference properties), and a fixed 1,800 or so from the
property entities; ``claims_for`` turns a target triple count into a claim count.

Usage: ``python bench/generate.py OUT_DIR --triples 100000 [--seed 7]``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLAIMS_PER_SOURCE = 25
TRIPLES_PER_CLAIM = 28.7  # measured at 30k triples (Wikibase model), property entities excluded
LANGUAGES = ("ps", "fa", "ar", "ur")
SYLLABLES = (
    "al", "ba", "da", "far", "gul", "ha", "ja", "kan", "lash", "man", "nur", "pak", "qa", "ra",
    "sha", "tar", "waz", "zar", "kho", "hel", "mand", "ghaz", "bad", "kun",
)  # fmt: skip
# a few letters of each script so labels are genuinely multilingual text
SCRIPTS = {
    "ps": "ابپتټثجچحخډرړزژسشښصضطظعغفقکګلمنڼوهيې",
    "fa": "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "ur": "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنوہھی",
}
GROUP_WORDS = ("Front", "Movement", "Brigade", "Network", "Army", "Province", "Council", "Battalion")
UNNAMED = ("unnamed-analysts", "unnamed-officials", "unnamed-reports", "unnamed-residents")
ARTICLE_HEADLINE = "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?"
JOB_TITLES = ("research fellow", "terrorism expert", "senior analyst", "correspondent")


def claims_for(triples: int) -> int:
    return max(CLAIMS_PER_SOURCE, round(triples / TRIPLES_PER_CLAIM))


@dataclass
class Entity:
    id: str
    type: str
    label: str
    aliases: list[str] | None = None  # fixed English aliases instead of random ones


@dataclass
class Fact:
    """A claim's content, shared by every source that corroborates it."""

    subject: str
    property: str
    value: str
    qualifiers: list[tuple[str, str]] = field(default_factory=list)
    rank: str = "normal"
    rank_reason: str | None = None
    id: str | None = None
    better: str | None = None
    words: str = ""
    speaker: str | None = None  # whom sources usually attribute this fact to


def _folded(name: str) -> str:
    """Letters and digits only, case and accents dropped: at least as coarse as agkg's own
    comparison of names (``agkg.build.suggestions.fold_name``)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return "".join(c for c in bare.casefold() if c.isalnum())


class Generator:
    def __init__(self, claims: int, seed: int) -> None:
        self.random = random.Random(seed)
        self.claims = claims
        self.entities: dict[str, list[Entity]] = {}
        self.names: set[str] = set()
        self.registry: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], Fact] = {}
        self.named: list[Fact] = []  # the facts of the article the curated queries name
        self.alleged = False  # whether an allegation has been written yet
        self.wikidata_ids: set[int] = set()  # one Wikidata item is one entity (agkg refuses two)
        # (language, folded name) of every label and alias so far: agkg warns about shared names
        self.entity_names: set[tuple[str, str]] = set()

    # ----- names

    def name(self, words: int = 2) -> str:
        r = self.random
        while True:
            parts = [
                "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 3))).capitalize()
                for _ in range(words)
            ]
            text = " ".join(parts)
            if text not in self.names:
                self.names.add(text)
                return text

    def script(self, language: str, length: int) -> str:
        letters = SCRIPTS[language]
        return " ".join(
            "".join(self.random.choice(letters) for _ in range(self.random.randint(3, 7)))
            for _ in range(length)
        )

    def make(self, kind: str, type_: str, count: int, label: str | None = None) -> list[Entity]:
        made = []
        for index in range(count):
            base = label.format(name=self.name(), n=index) if label else self.name()
            made.append(Entity(f"{kind}-{index}", type_, base))
        self.entities.setdefault(kind, []).extend(made)
        return made

    # ----- entities

    def build_entities(self) -> None:
        n = self.claims
        self.make("country", "Country", max(3, n // 2000), "Republic of {name}")
        self.make("province", "Province", max(6, n // 300))
        self.make("city", "City", max(10, n // 150))
        self.make("ideology", "Ideology", 12, "{name}ism")
        self.make("kind", "GroupKind", 6, "{name} militant group")
        self.make("support", "SupportKind", 5, "{name} support")
        self.make("index", "Index", 3, "{name} Terrorism Index")
        self.make("institute", "ResearchInstitute", max(2, n // 3000), "{name} Institute")
        self.make("outlet", "NewsOutlet", max(3, n // 1500), "The {name} Times")
        self.make("group", "ArmedGroup", max(8, n // 40))
        for group in self.entities["group"]:
            group.label = f"{group.label} {self.random.choice(GROUP_WORDS)}"
        self.make("person", "Person", max(12, n // 12))
        self.make("post", "Post", max(6, n // 40), "Emir of {name}")
        self.make("event", "Attack", max(8, n // 30), "{name} attack")
        self.make("release", "PrisonRelease", max(3, n // 150), "Release of prisoners from {name} Prison")
        self.entities["unnamed"] = [Entity(u, "UnnamedSource", u.replace("-", " ")) for u in UNNAMED]
        # the ids and labels the curated queries name, one of each at every scale
        named = {
            "group": Entity("iskp", "ArmedGroup", "Islamic State Khorasan Province", ["IS-K", "ISIS-K", "ISKP", "ISK"]),
            "province": Entity("nangarhar", "Province", "Nangarhar", ["Nangarhar Province"]),
            "country": Entity("pakistan", "Country", "Pakistan"),
            "index": Entity("global-terrorism-index", "Index", "Global Terrorism Index", ["GTI"]),
            "institute": Entity("institute-for-economics-and-peace", "ResearchInstitute", "Institute for Economics and Peace"),
            "release": Entity("pul-e-charki-release-2021", "PrisonRelease", "Release of prisoners from Pul-e-Charki Prison (2021)"),
        }  # fmt: skip
        for kind, entity in named.items():
            self.entities[kind].append(entity)
        self.entities["country"].append(Entity("afghanistan", "Country", "Afghanistan"))

    def unique_name(self, language: str, name: str, entity: Entity) -> str:
        """``name``, or ``name (id)`` when another entity already has it in ``language`` (case,
        accents and punctuation aside), so the build has no shared-name warnings; no random
        number is drawn, so every other byte stays as it was."""
        key = (language, _folded(name))
        if key in self.entity_names:
            name = f"{name} ({entity.id})"
            key = (language, _folded(name))
        self.entity_names.add(key)
        return name

    def entity_yaml(self, entity: Entity) -> str:
        r = self.random
        lines = [f"  - id: {entity.id}", f"    type: {entity.type}"]
        labels = {"en": entity.label}
        if entity.type != "UnnamedSource":
            for language in r.sample(LANGUAGES, r.randint(0, 3)):
                labels[language] = self.script(language, 2)
        labels = {k: self.unique_name(k, v, entity) for k, v in labels.items()}
        lines.append("    label: {" + ", ".join(f"{k}: {_q(v)}" for k, v in labels.items()) + "}")
        if entity.aliases is not None:
            lines.append("    aliases: {en: [" + ", ".join(_q(a) for a in entity.aliases) + "]}")
        elif r.random() < 0.6 and entity.type != "UnnamedSource":
            aliases = [entity.label.upper().replace(" ", "")[:8] + str(r.randint(1, 99))]
            if r.random() < 0.5:
                aliases.append(f"the {entity.label.split()[0]} group")
            aliases = [self.unique_name("en", a, entity) for a in aliases]
            lines.append("    aliases: {en: [" + ", ".join(_q(a) for a in aliases) + "]}")
        if r.random() < 0.5:
            lines.append(f"    description: {{en: {_q(f'Synthetic {entity.type} number {entity.id}')}}}")
        if r.random() < 0.3 and entity.type != "UnnamedSource":
            qid = r.randint(1, 10**8)
            while qid in self.wikidata_ids:
                qid = r.randint(1, 10**8)
            self.wikidata_ids.add(qid)
            lines.append(f"    wikidata: Q{qid}")
        return "\n".join(lines)

    def register(self, fact: Fact, facts: list[Fact]) -> Fact:
        """The one Fact object for this content, so identical claims always agree on rank.

        The answer may be a Fact some source has already written: callers must not change the
        rank of a Fact they did not just create.
        """
        key = (fact.subject, fact.property, fact.value, tuple(fact.qualifiers))
        known = self.registry.get(key)
        if known is not None:
            return known
        self.registry[key] = fact
        facts.append(fact)
        return fact

    def pick(self, kind: str) -> Entity:
        return self.random.choice(self.entities[kind])

    # ----- facts

    def date(self, low: int = 1995, high: int = 2023) -> str:
        r = self.random
        year = r.randint(low, high)
        precision = r.random()
        if precision < 0.3:
            return str(year)
        if precision < 0.6:
            return f"{year}-{r.randint(1, 12):02d}"
        return f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"

    def fact(self) -> Fact:
        r = self.random
        kind = r.random()
        if kind < 0.26:
            group = self.pick("group")
            prop, target = r.choice(
                [
                    ("operatesIn", "province"), ("operatesIn", "country"), ("basedIn", "city"),
                    ("alliedWith", "group"), ("opponentOf", "group"), ("targets", "group"),
                    ("ideology", "ideology"), ("groupKind", "kind"), ("leader", "person"),
                    ("founder", "person"), ("provinceOf", "group"), ("receivedSupportFrom", "group"),
                ]
            )  # fmt: skip
            value = self.pick(target)
            fact = Fact(group.id, prop, value.id, words=f"{group.label} {prop} {value.label}")
            if prop == "receivedSupportFrom":
                fact.qualifiers.append(("supportKind", self.pick("support").id))
            elif r.random() < 0.3:
                fact.qualifiers.append(("pointInTime", self.date()))
            return fact
        if kind < 0.28:
            group, index = self.pick("group"), self.pick("index")
            top = r.choice([3, 4, 5, 10, 20])
            fact = Fact(group.id, "rankedAmongDeadliest", str(top), [("rankingIndex", index.id)])
            fact.words = f"{group.label} is among the {top} deadliest groups in the {index.label}"
            if r.random() < 0.7:
                fact.qualifiers.append(("pointInTime", str(r.randint(2012, 2023))))
            fact.speaker = self.pick("institute").id
            return fact
        if kind < 0.4:
            group = self.pick("group")
            count = r.choice([200, 500, 1500, 3000, 8000, 12000])
            fact = Fact(group.id, "memberCount", str(count), words=f"{group.label} has {count:,} fighters")
            fact.qualifiers = [("pointInTime", self.date(2010)), ("approximate", "true")]
            return fact
        if kind < 0.46:
            group = self.pick("group")
            fact = Fact(group.id, "inception", self.date(1980, 2020), words=f"{group.label} was founded")
            return fact
        if kind < 0.6:
            person, post = self.pick("person"), self.pick("post")
            start = self.date(2000, 2020)
            fact = Fact(person.id, "holdsPost", post.id, words=f"{person.label} became {post.label}")
            fact.qualifiers.append(("startTime", start))
            if r.random() < 0.4:
                fact.qualifiers.append(("endTime", str(int(start[:4]) + r.randint(1, 3))))
            return fact
        if kind < 0.65:
            person = self.pick("person")
            return Fact(person.id, "memberOf", self.pick("group").id, words=f"{person.label} joined")
        if kind < 0.66:
            person, employer = self.pick("person"), self.pick(r.choice(["institute", "outlet"]))
            fact = Fact(
                person.id, "employer", employer.id, words=f"{person.label} works for {employer.label}"
            )
            fact.qualifiers.append(("jobTitle", r.choice(JOB_TITLES)))
            return fact
        if kind < 0.7:
            post = self.pick("post")
            prop, target = r.choice([("postIn", "group"), ("jurisdiction", "province")])
            return Fact(post.id, prop, self.pick(target).id, words=f"{post.label} {prop}")
        if kind < 0.87:
            event = self.pick("event")
            prop, target = r.choice(
                [("carriedOutBy", "group"), ("location", "city"), ("eventDate", ""),
                 ("responsibilityClaimedBy", "group"), ("attackTarget", "group")]
            )  # fmt: skip
            obj = self.pick(target).id if target else self.date(2005, 2014)
            return Fact(event.id, prop, obj, words=f"{event.label} {prop}")
        if kind < 0.9:
            release = self.pick("release")
            prop, target = r.choice(
                [("releasedMembersOf", "group"), ("releasedMembersOf", "group"), ("carriedOutBy", "group"),
                 ("location", "city"), ("eventDate", "")]
            )  # fmt: skip
            obj = self.pick(target).id if target else self.date(2005, 2014)
            return Fact(release.id, prop, obj, words=f"{release.label} {prop}")
        if kind < 0.95:
            place = self.pick(r.choice(["city", "province"]))
            target = "province" if place.type == "City" else "country"
            where = self.pick(target).id
            if (place.id, where) == ("nangarhar", "pakistan"):
                where = "afghanistan"  # only the deprecated claim (see named_facts) errs
            return Fact(place.id, "locatedIn", where, words=f"{place.label} lies in")
        person = self.pick("person")
        amount = r.choice([1, 5, 10]) * 1_000_000
        fact = Fact(person.id, "bountyAmount", str(amount), words=f"a bounty of {amount} on {person.label}")
        fact.qualifiers.append(("currency", "USD"))
        return fact

    def named_facts(self, facts: list[Fact]) -> None:
        """The article the curated queries name: its facts about ISIS-K, Nangarhar and a release."""
        r = self.random
        founded = Fact(
            "iskp", "inception", "2015-01", id="iskp-founded-2015", words="ISIS-K was officially founded"
        )
        early = Fact(
            "iskp", "inception", "2014", words="ISIS-K emerged", rank="deprecated", better=founded.id
        )
        early.rank_reason = "Contradicted by the founding date the group announced."
        afghanistan = Fact("nangarhar", "country", "afghanistan", id="nangarhar-in-afghanistan")
        afghanistan.words = "Nangarhar, a province of eastern Afghanistan"
        pakistan = Fact(
            "nangarhar",
            "country",
            "pakistan",
            words="Nangarhar which is the Pakistan\u2019s eastern province",
        )
        pakistan.rank, pakistan.better = "deprecated", afghanistan.id
        pakistan.rank_reason = "Factual error: Nangarhar is a province of Afghanistan, not of Pakistan."
        named = [
            founded, early, afghanistan, pakistan,
            Fact("iskp", "rankedAmongDeadliest", "4", [("rankingIndex", "global-terrorism-index"), ("pointInTime", "2018")],
                 words="one of the top four deadliest terrorist organisations", speaker="institute-for-economics-and-peace"),
            Fact("iskp", "basedIn", "nangarhar", words="IS-K is based in Nangarhar"),
            Fact("iskp", "operatesIn", "pakistan", words="across Afghanistan and Pakistan"),
            Fact("iskp", "targets", self.pick("group").id, words="ISIS-K targets its rivals"),
            Fact("iskp", "opponentOf", self.pick("group").id, words="a major difference between them and IS-K"),
            Fact("iskp", "alliedWith", self.pick("group").id, [("startTime", "2016")], words="ISIS-K allied with"),
            Fact("pul-e-charki-release-2021", "releasedMembersOf", "iskp", words="including IS-K terrorists"),
            Fact("pul-e-charki-release-2021", "releasedMembersOf", self.pick("group").id, words="and others"),
            Fact("pul-e-charki-release-2021", "carriedOutBy", self.pick("group").id, words="they freed"),
            Fact("pul-e-charki-release-2021", "eventDate", "2021-08-15", words="on August 15, they freed",
                 speaker=r.choice(UNNAMED)),
        ]  # fmt: skip
        self.named = [self.register(fact, facts) for fact in named]

    # ----- files

    def write(self, folder: Path) -> None:
        r = self.random
        self.build_entities()
        sources = max(1, self.claims // CLAIMS_PER_SOURCE)
        data, corpus = folder / "data", folder / "corpus"
        for sub in ("sources", "entities", "claims"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        corpus.mkdir(parents=True, exist_ok=True)
        for kind, items in self.entities.items():
            body = "\n\n".join(self.entity_yaml(e) for e in items)
            (data / "entities" / f"{kind}.yaml").write_text(
                f"# yaml-language-server: $schema=../../schema/entities.schema.json\nentities:\n{body}\n",
                encoding="utf-8",
            )
        facts: list[Fact] = []
        self.named_facts(facts)
        named_source = min(6, sources - 1)  # it relays the report before it
        claim_counter = 0
        written_ids: set[str] = set()
        source_entries = []
        for s in range(sources):
            source_id = f"src-{s:06d}"
            # a tenth are reports with no text of their own, each relayed by the next article
            report = s % 10 == 5 or s + 1 == named_source
            relays = f"src-{s - 1:06d}" if s and (s % 10 == 6 or s == named_source) else None
            claims: list[Fact] = list(self.named) if s == named_source else []
            for _ in range(CLAIMS_PER_SOURCE):
                # a fifth of the claims repeat a fact another source gave: corroboration
                if facts and r.random() < 0.2:
                    fact = r.choice(facts[-2000:])
                else:
                    fresh = self.fact()
                    fact = self.register(fresh, facts)
                    # only a Fact made just now may be ranked: one registered earlier may already
                    # be written at its rank, and re-ranking it made identical claims disagree
                    new = fact is fresh
                    if (
                        new
                        and r.random() < 0.15
                        and fact.property in ("inception", "memberCount")
                        and fact.rank == "normal"
                    ):
                        if fact.id is None:
                            fact.id = f"claim-{claim_counter}"
                            claim_counter += 1
                        wrong = Fact(fact.subject, fact.property, _shift(fact), list(fact.qualifiers))
                        wrong.rank = "deprecated"
                        wrong.rank_reason = "Contradicted by the better-sourced figure given elsewhere."
                        wrong.better = fact.id
                        wrong.words = fact.words + " (disputed)"
                        wrong = self.register(wrong, facts)
                        if wrong.rank == "deprecated" and all(c is not wrong for c in claims):
                            claims.append(wrong)
                    elif new and r.random() < 0.1 and fact.property == "memberCount" and fact.id is None:
                        fact.rank = "preferred"
                        fact.rank_reason = "The most precise value reported."
                if all(c is not fact for c in claims):
                    claims.append(fact)
            sentences: list[str] = []
            lines = [
                "# yaml-language-server: $schema=../../schema/claims.schema.json",
                f"source: {source_id}",
                "claims:",
            ]
            for number, fact in enumerate(claims):
                quote = f"{fact.words}, said report {s}/{number} on “{self.date()}”"
                sentences.append(quote + ".")
                if fact.id and fact.id not in written_ids:
                    written_ids.add(fact.id)
                    lines.append(f"  - id: {fact.id}")
                    lines.append(f"    subject: {fact.subject}")
                else:
                    lines.append(f"  - subject: {fact.subject}")
                lines.append(f"    property: {fact.property}")
                lines.append(f"    value: {fact.value}")
                if fact.qualifiers:
                    lines.append("    qualifiers:")
                    lines.extend(f"      {k}: {v}" for k, v in fact.qualifiers)
                lines.append(f"    quote: {_q(quote)}")
                if relays and r.random() < 0.3:
                    lines.append(f"    attributed_to: {relays}")
                elif fact.speaker and r.random() < 0.5:
                    lines.append(f"    attributed_to: {fact.speaker}")
                elif r.random() < 0.15:
                    attribution = r.choice(UNNAMED) if r.random() < 0.6 else self.pick("person").id
                    lines.append(f"    attributed_to: {attribution}")
                # one attributed claim in about twenty is an allegation, and the first one always
                # (so the allegations query has an answer at every scale); chosen by position, not
                # by the random stream, so every other generated byte stays as it was
                if (
                    lines[-1].startswith("    attributed_to:")
                    and fact.rank == "normal"
                    and ((s + number) % 20 == 0 or not self.alleged)
                ):
                    lines.append("    allegation: true")
                    self.alleged = True
                if fact.rank != "normal":
                    lines.append(f"    rank: {fact.rank}")
                    lines.append(f"    rank_reason: {_q(fact.rank_reason or '')}")
                if fact.better:
                    lines.append(f"    better_supported_by: {fact.better}")
                if r.random() < 0.05:
                    lines.append("    note: Wording checked against the printed edition.")
                lines.append("")
            (data / "claims" / f"{source_id}.yaml").write_text("\n".join(lines), encoding="utf-8")
            text = _article(r, sentences)
            headline = f"Synthetic report {s} on {self.pick('group').label}"
            published = self.date(2015, 2023)
            language = "en" if r.random() < 0.9 else "fa"
            if s == named_source:  # in English, after the release it reports (2021-08-15)
                headline, published, language = ARTICLE_HEADLINE, "2021-08-27", "en"
            entry = [
                f"  - id: {source_id}",
                f"    type: {'Report' if report else 'NewsArticle'}",
                f"    headline: {_q(headline)}",
                f"    authors: [{self.pick('person').id}]",
                f"    outlet: {self.pick('outlet').id}",
                f"    published: {published}",
                f"    language: {language}",
            ]
            if relays:
                entry.append(f"    relays: {relays}")
            if not report:
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                (corpus / f"{source_id}.txt").write_text(text, encoding="utf-8")
                entry.append(f"    sha256: {digest}")
            else:  # like a report known only as relayed: no text held, said explicitly
                entry.append("    text_held_elsewhere: synthetic report, no text is generated for it")
            source_entries.append("\n".join(entry))
        source_entries.append(_write_conflict_report(data))
        (data / "sources" / "sources.yaml").write_text(
            "# yaml-language-server: $schema=../../schema/sources.schema.json\nsources:\n"
            + "\n\n".join(source_entries)
            + "\n",
            encoding="utf-8",
        )
        (folder / "agkg.toml").write_text(
            "[agkg]\n"
            'base = "https://w3id.org/agkg/"\n'
            'corpus = "corpus"\n'
            f'ontology = "{REPO / "ontology"}"\n'
            f'shapes = "{REPO / "shapes"}"\n',
            encoding="utf-8",
        )


CONFLICT_ENTITIES = """# yaml-language-server: $schema=../../schema/entities.schema.json
entities:
  - {id: conflict-leader-1, type: Person, label: {en: Synthetic first emir}}
  - {id: conflict-leader-2, type: Person, label: {en: Synthetic second emir}}
  - {id: conflict-government, type: Government, label: {en: Synthetic government}}
  - {id: conflict-terrorist-list, type: DesignationList, label: {en: Synthetic terrorist list}}
"""

CONFLICT_CLAIMS = """# yaml-language-server: $schema=../../schema/claims.schema.json
source: src-conflict
claims:
  - subject: iskp
    property: leader
    value: conflict-leader-1
    qualifiers: {startTime: 2015-01, endTime: 2019-05, replacedBy: conflict-leader-2}
    quote: "The first emir led ISIS-K until May 2019, when the second took over"
  - subject: iskp
    property: leader
    value: conflict-leader-2
    qualifiers: {startTime: 2019-05, replaces: conflict-leader-1}
    quote: "The first emir led ISIS-K until May 2019, when the second took over"
  - subject: event-0
    property: killedCount
    value: 170
    qualifiers: {minimum: 150, maximum: 183, approximate: true}
    quote: "about 170 killed, between 150 and 183"
  - subject: iskp
    property: designatedTerroristBy
    value: conflict-government
    qualifiers: {startTime: 2016-01, designationList: conflict-terrorist-list}
    quote: "listed ISIS-K as a terrorist organisation in January 2016"
"""


def _write_conflict_report(data: Path) -> str:
    """A report (no text of its own) with a leader succession, a death toll and a designation,
    so that the conflict analyst's queries match rows at every scale; its entities and claims
    are fixed text, drawing no random number, so every other generated byte stays as it was.
    Returns its entry for sources.yaml."""
    (data / "entities" / "conflict.yaml").write_text(CONFLICT_ENTITIES, encoding="utf-8")
    (data / "claims" / "src-conflict.yaml").write_text(CONFLICT_CLAIMS, encoding="utf-8")
    return "\n".join(
        [
            "  - id: src-conflict",
            "    type: Report",
            '    headline: "Synthetic report on leaders, deaths and designations"',
            "    authors: [person-0]",
            "    outlet: outlet-0",
            "    published: 2021-09-01",
            "    language: en",
            "    text_held_elsewhere: synthetic report, no text is generated for it",
        ]
    )


def _shift(fact: Fact) -> str:
    """A wrong value for a deprecated claim: a tripled count, a founding year three years early."""
    if fact.property == "memberCount":
        return str(int(fact.value) * 3)
    return str(int(fact.value[:4]) - 3)


def _article(r: random.Random, sentences: list[str]) -> str:
    """The source text: the quoted sentences in paragraphs, with filler in between."""
    paragraphs = []
    for start in range(0, len(sentences), 3):
        filler = "Officials could not be reached for comment." if r.random() < 0.5 else ""
        paragraphs.append(" ".join([*sentences[start : start + 3], filler]).strip())
    return "\n\n".join(paragraphs) + "\n"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate_project(folder: Path, triples: int = 100_000, seed: int = 7) -> Path:
    """Write a synthetic project of about ``triples`` output triples into ``folder`` (replaced)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    Generator(claims_for(triples), seed).write(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate_project(args.out, args.triples, args.seed)


if __name__ == "__main__":
    main()
