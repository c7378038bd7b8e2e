"""ШЭП handlers of gbd-fl-mock: serviceId -> handler, for the provider runtime.

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

from gbd_fl_mock.service_layer import handlers
from gbd_fl_mock.service_layer.context import ShepContext, ShepHandler
from gbd_fl_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = handlers.SERVICE_ID

_configured: dict[str, UnitOfWorkFactory] = {}


def configure(uow_factory: UnitOfWorkFactory) -> None:
    _configured["uow"] = uow_factory


def _uow() -> UnitOfWorkFactory:
    try:
        return _configured["uow"]
    except KeyError:
        raise KitError(
            "Сервис ГБД ФЛ не готов / ЖТ ММБ сервисі дайын емес", code="PROVIDER_NOT_READY"
        ) from None


def person_by_iin(request: etree._Element, context: ShepContext) -> etree._Element:
    return handlers.person_by_iin(request, context, uow_factory=_uow())


SHEP_HANDLERS: dict[str, ShepHandler] = {SERVICE_ID: person_by_iin}


def build_shep_handlers(uow_factory: UnitOfWorkFactory) -> dict[str, ShepHandler]:
    return {SERVICE_ID: partial(handlers.person_by_iin, uow_factory=uow_factory)}
