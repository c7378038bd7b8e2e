"""ШЭП handlers of enis-mock: serviceId -> handler, for the provider runtime.

The runtime (``egov_kit.shep.provider``) consumes this system's queue, verifies the gateway's
signature and calls ``SHEP_HANDLERS[serviceId](element, context)`` with the business element of
requestData/data; it signs and returns the element the handler gives back. A named ``KitError`` from
a handler becomes the ШЭП ErrorInfo.

:data:`SHEP_HANDLERS` works once :func:`configure` has been given the unit of work (``create_app``
does it); :func:`build_shep_handlers` binds a unit of work explicitly (tests, other wiring).
"""

from __future__ import annotations

from functools import partial

from egov_kit.errors import KitError
from lxml import etree

from enis_mock.service_layer import handlers
from enis_mock.service_layer.context import ShepContext, ShepHandler
from enis_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = handlers.SERVICE_ID

_configured: dict[str, UnitOfWorkFactory] = {}


def configure(uow_factory: UnitOfWorkFactory) -> None:
    _configured["uow"] = uow_factory


def _uow() -> UnitOfWorkFactory:
    try:
        return _configured["uow"]
    except KeyError:
        raise KitError("Сервис ЕНИС не готов / БНАЖ сервисі дайын емес", code="PROVIDER_NOT_READY") from None


def check_power_of_attorney(request: etree._Element, context: ShepContext) -> etree._Element:
    return handlers.check_power_of_attorney(request, context, uow_factory=_uow())


SHEP_HANDLERS: dict[str, ShepHandler] = {SERVICE_ID: check_power_of_attorney}


def build_shep_handlers(uow_factory: UnitOfWorkFactory) -> dict[str, ShepHandler]:
    return {SERVICE_ID: partial(handlers.check_power_of_attorney, uow_factory=uow_factory)}
