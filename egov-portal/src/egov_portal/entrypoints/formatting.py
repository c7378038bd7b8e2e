"""How dates and times look on the pages: Kazakhstan's local time, dd.mm.yyyy.

Documents and other systems give moments in any offset (РПН's status in UTC, a talon in +05:00) or
plain dates; a citizen reads them all in local time.
"""

from __future__ import annotations

from datetime import date, datetime

from egov_kit.clock import KZ_TZ
from fastapi.templating import Jinja2Templates


def local_time(value: object, *, seconds: bool = False) -> str:
    """``dd.mm.yyyy HH:MM[:SS]`` in UTC+5 for datetimes (or ISO text), ``dd.mm.yyyy`` for dates."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        moment = value.astimezone(KZ_TZ) if value.tzinfo is not None else value
        return moment.strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def templates_with_filters(directory: str) -> Jinja2Templates:
    templates = Jinja2Templates(directory=directory)
    templates.env.filters["local_time"] = local_time
    return templates
