"""What a ШЭП handler is told about the message it answers.

The provider runtime (``egov_kit.shep.provider``) passes its own context object; any object with
these three attributes fits :class:`ShepContext`. :class:`ShepCallContext` is a plain one for tests
and local calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lxml import etree


class ShepContext(Protocol):
    @property
    def message_id(self) -> str: ...

    @property
    def sender_id(self) -> str: ...

    @property
    def service_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ShepCallContext:
    message_id: str
    sender_id: str
    service_id: str


# serviceId -> handler: the business element of requestData/data in, the response element out.
ShepHandler = Callable[[etree._Element, ShepContext], etree._Element]
