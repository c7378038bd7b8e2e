"""ШЭП handlers of enis-mock: serviceId → handler, bound to a unit of work, for the provider runtime.

The runtime (``egov_kit.shep.provider``) consumes this system's queue, verifies the gateway's
signature and calls the handler of the serviceId with the business element of requestData/data; it
signs and returns the element the handler gives back. A named ``KitError`` from a handler becomes
the ШЭП ErrorInfo.
"""

from __future__ import annotations

from functools import partial

from enis_mock.service_layer import handlers
from enis_mock.service_layer.context import ShepHandler
from enis_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = handlers.SERVICE_ID


def build_shep_handlers(uow_factory: UnitOfWorkFactory) -> dict[str, ShepHandler]:
    return {SERVICE_ID: partial(handlers.check_power_of_attorney, uow_factory=uow_factory)}
