"""HTML pages for the server and the static site, rendered from the templates in ``templates/``.

Each method builds its page's model (``model``, ``about``) and renders one template that
extends ``base.html``, the layout both the server and the static site use. Every link is
relative, so the pages work from any mount point or folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote

import pyoxigraph as ox
from markupsafe import Markup

from agkg.vocab import DCTERMS, FOAF
from agkg.web import about
from agkg.web.figures import entity_figures, home_figures
from agkg.web.model import Models, ResourcePage, Shown
from agkg.web.site import DOCUMENT_TYPES, SiteData
from agkg.web.templating import render
from agkg.web.wording import date_words


class Pages:
    """The pages of one published dataset; ``live`` when served (there is a query page)."""

    def __init__(self, site: SiteData, live: bool = False) -> None:
        self.site = site
        self.live = live

    def layout(self, title: str, root: str, alternates: Mapping[str, str] | None = None) -> dict[str, object]:
        """What base.html needs: the title, the way up to the site root, the other formats."""
        return {
            "title": title,
            "root": root,
            "live": self.live,
            "alternates": [(DOCUMENT_TYPES[ext], href) for ext, href in (alternates or {}).items()],
        }

    def resource(self, kind: str, node: ox.NamedNode) -> str:
        """The page of a resource the dataset mints: an entity, source, statement, reference or value."""
        local = node.value.rsplit("/", 1)[-1]
        root = "../../"
        models = Models(self.site, root)
        builders: dict[str, Callable[[ox.NamedNode], ResourcePage]] = {
            "id": models.entity_page,
            "source": models.source_page,
            "statement": models.statement_page,
            "reference": models.reference_page,
            "value": models.value_page,
        }
        page = builders[kind](node)
        template = {"id": "entity.html"}.get(kind, f"{kind}.html")
        figures = entity_figures(self.site, node, models.href) if kind == "id" else Markup("")
        return render(
            template, page=page, figures=figures, **self.layout(page.header.title, root, _alternates(local))
        )

    def index(self, root: str = "") -> str:
        """The home page: what the dataset is and holds, its sources, and how to use it."""
        void = self.site.void
        dataset = self.site.iris.dataset

        def literal(predicate: ox.NamedNode) -> str:
            value = void.first(dataset, predicate)
            return value.value if isinstance(value, ox.Literal) else ""

        publisher = void.first(dataset, DCTERMS.publisher)
        publisher_name = void.first(publisher, FOAF.name) if publisher is not None else None
        licence = void.first(dataset, DCTERMS.license)
        models = Models(self.site, root)
        page = models.home_page(
            title=literal(DCTERMS.title) or "Armed Groups Knowledge Graph",
            description=literal(DCTERMS.description),
            licence=Shown(licence.value, licence.value, external=True)
            if isinstance(licence, ox.NamedNode)
            else None,
            publisher=publisher_name.value if isinstance(publisher_name, ox.Literal) else None,
            dates=(date_words(literal(DCTERMS.issued)), date_words(literal(DCTERMS.modified))),
        )
        page.live = self.live
        page.downloads = [
            Shown(label, f"{root}dumps/{name}")
            for name, label in (
                ("dataset.nq", "N-Quads"),
                ("dataset.trig", "TriG"),
                ("dataset.ttl", "Turtle"),
            )
            if name in self.site.files
        ]
        figures = home_figures(self.site, models.href)
        return render("home.html", page=page, figures=figures, **self.layout("Home", root))

    def ontology_page(self, root: str = "../") -> str:
        page = about.ontology_page(self.site, root)
        return render("ontology.html", page=page, **self.layout("Ontology", root))

    def dataset_page(self, endpoint: str | None = None) -> str:
        """``doc/dataset.html``: the VoID and DCAT description, for people."""
        root = "../"
        page = about.dataset_page(self.site, endpoint, root)
        return render(
            "dataset.html", page=page, **self.layout("About the dataset", root, _alternates("dataset"))
        )

    def graph_page(self, name: str, node: ox.NamedNode) -> str:
        """``doc/graph/{name}.html``: a named graph, how big it is and what it holds."""
        root = "../" * (name.count("/") + 2)
        page = about.graph_page(self.site, name, node, root)
        alternates = _alternates(name.rsplit("/", 1)[-1])
        return render("graph.html", page=page, **self.layout(page.title, root, alternates))

    def dumps_index(self, root: str = "../") -> str:
        files = about.dumps_index(self.site)
        return render("dumps.html", files=files, **self.layout("Dumps", root))

    def query_page(
        self,
        query: str,
        examples: list[tuple[str, str, str]],
        answer: about.QueryAnswer | None,
        limits: object,
    ) -> str:
        """The query form (works without script), the examples, and the answer."""
        page = about.QueryPage(
            query,
            float(getattr(limits, "query_timeout", 0)),
            int(getattr(limits, "max_rows", 0)),
            [about.Example(*x) for x in examples],
            answer,
        )
        return render("query.html", page=page, **self.layout("Query", ""))


def _alternates(stem: str) -> dict[str, str]:
    """The other formats of a document, relative to it."""
    return {ext: f"{quote(stem)}.{ext}" for ext in DOCUMENT_TYPES if ext != "html"}
