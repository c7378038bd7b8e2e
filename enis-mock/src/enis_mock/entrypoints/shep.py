"""ШЭП handlers of enis-mock: serviceId → handler, bound to a unit of work.

``egov_kit.shep.provider`` serves them: it checks the gateway's signature, seals the answer, and sends
a named ``KitError`` back as the ШЭП ErrorInfo.
"""

from __future__ import annotations

from functools import partial

from egov_kit.shep.provider import SyncHandler

from enis_mock.service_layer import handlers
from enis_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = handlers.SERVICE_ID


def build_shep_handlers(uow_factory: UnitOfWorkFactory) -> dict[str, SyncHandler]:
    return {SERVICE_ID: partial(handlers.check_power_of_attorney, uow_factory=uow_factory)}
