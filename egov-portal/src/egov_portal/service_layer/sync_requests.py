"""A synchronous request through ШЭП (``send_sync``) whose failure is the visitor's named error.

The forms of process 3 ask РПН (organisations of a region, the recipient's attachment, doctors'
schedules); when ШЭП or РПН cannot answer, or answers something unreadable, the visitor gets
``EXTERNAL_UNAVAILABLE`` with what is unavailable (ru, kk) and the cause goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from egov_kit.errors import KitError
from lxml import etree

from egov_portal.adapters.shep import ShepPort
from egov_portal.domain.errors import ExternalUnavailable

log = logging.getLogger("egov_portal")

T = TypeVar("T")


async def ask(
    shep: ShepPort,
    service_id: str,
    request: etree._Element,
    parse: Callable[[etree._Element | None], T],
    *,
    what: str,
    unavailable: tuple[str, str],
) -> T:
    """``parse`` of the answer to ``request``; ``ExternalUnavailable(*unavailable)`` on a failure
    (logged as ``what`` failed)."""
    try:
        reply = await shep.send_sync(service_id, request)
        return parse(reply.data)
    except (KitError, ValueError) as exc:
        log.warning("%s failed: %s", what, exc)
        raise ExternalUnavailable(*unavailable) from exc
