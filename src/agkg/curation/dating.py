"""Dates in words to ISO 8601 at the precision the words give.

dateparser reads the many ways news prints a date ("27th Aug, 2021. 03:09 pm", "January 2015")
and says which parts were given (its "period"); we keep only those parts, because agkg's
literals carry their precision (``2015-01`` is a month, not the first of it).
"""

from __future__ import annotations

import re
from functools import lru_cache

from dateparser.date import DateDataParser

_YEAR = re.compile(r"\b(1[5-9]|20)\d{2}\b")
_FORMATS = {"time": "%Y-%m-%dT%H:%M", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@lru_cache(maxsize=8)
def _parser(language: str) -> DateDataParser:
    languages = [language] if language else None
    try:
        return DateDataParser(
            languages=languages,
            settings={"RETURN_TIME_AS_PERIOD": True, "PREFER_DAY_OF_MONTH": "first"},
        )
    except ValueError:  # a language dateparser does not know
        return DateDataParser(settings={"RETURN_TIME_AS_PERIOD": True, "PREFER_DAY_OF_MONTH": "first"})


def parse_date(words: str, language: str = "en") -> str | None:
    """ISO 8601 for ``words`` at the precision they give, or None.

    Only absolute dates count: the words must name a year (``3 years ago`` or ``Tuesday`` depend
    on a reference date the text does not give).
    """
    if not _YEAR.search(words):
        return None
    data = _parser(language).get_date_data(words)
    if data.date_obj is None or data.period not in _FORMATS:
        return None
    return str(data.date_obj.strftime(_FORMATS[data.period]))
