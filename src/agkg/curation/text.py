"""Turning a received file into the plain text a source is identified by.

The corpus holds texts, not pages: quotes are matched against the text, and a source is found by
the sha256 of the exact bytes stored. A plain-text file is stored as received; an HTML page is
reduced to its readable text (one paragraph per block element) by BeautifulSoup, and what the
page's markup says about itself (title, author, date, language) is kept as hints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from agkg.errors import InputError

# elements whose content is never article text
_DROPPED = ("script", "style", "noscript", "template", "nav", "aside", "form", "footer", "iframe", "svg")
# elements that end a paragraph
_BLOCKS = (
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "blockquote", "pre", "figure", "figcaption", "table", "tr", "dl", "dt",
    "dd", "address", "time", "title",
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ExtractedText:
    """The text to store, and what markup said about it (None when plain text or not given)."""

    text: str
    is_html: bool
    headline: str | None = None
    byline: str | None = None
    published: str | None = None
    language: str | None = None


def decode_utf8(data: bytes, display: str) -> str:
    """Decode strictly: a text that is not UTF-8 would hash differently once 'repaired'."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise InputError.single(
            display,
            f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded ({error.reason});"
            " convert the file to UTF-8 first",
            line,
            column,
        ) from None


def looks_like_html(name: str, text: str) -> bool:
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)


def extract_text(data: bytes, display: str, name: str) -> ExtractedText:
    """Decode ``data`` and, for HTML, reduce it to paragraphs of text with its metadata hints."""
    text = decode_utf8(data, display)
    if not looks_like_html(name, text):
        return ExtractedText(text=text, is_html=False)
    return _from_html(text)


def _from_html(markup: str) -> ExtractedText:
    soup = BeautifulSoup(markup, "html.parser")
    for element in soup.find_all(_DROPPED):
        element.decompose()
    html = soup.find("html")
    language = html.get("lang") if isinstance(html, Tag) else None
    headline = _first_text(soup, "h1") or _first_text(soup, "title")
    byline = _meta(soup, "author")
    published = _meta(soup, "article:published_time") or _meta(soup, "date")
    time_tag = soup.find("time")
    if published is None and isinstance(time_tag, Tag):
        value = time_tag.get("datetime")
        published = value if isinstance(value, str) else time_tag.get_text(" ", strip=True) or None
    head = soup.find("head")
    if isinstance(head, Tag):
        head.decompose()  # the title is kept as the headline hint; it is not article text
    for br in soup.find_all("br"):
        br.replace_with("\n\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    raw = soup.get_text()
    paragraphs = [" ".join(_CONTROL.sub(" ", chunk).split()) for chunk in re.split(r"\n\s*\n", raw)]
    text = "\n\n".join(p for p in paragraphs if p) + "\n"
    return ExtractedText(
        text=text,
        is_html=True,
        headline=headline,
        byline=byline,
        published=published,
        language=language if isinstance(language, str) and language else None,
    )


def _first_text(soup: BeautifulSoup, name: str) -> str | None:
    element = soup.find(name)
    if not isinstance(element, Tag):
        return None
    return " ".join(element.get_text(" ").split()) or None


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    for attribute in ("name", "property"):
        element = soup.find("meta", attrs={attribute: name})
        if isinstance(element, Tag):
            content = element.get("content")
            if isinstance(content, str) and content.strip():
                return " ".join(content.split())
    return None
