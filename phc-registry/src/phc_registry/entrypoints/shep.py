"""ШЭП handlers of phc-registry: serviceId → handler, for the provider runtime.

* ``RPN_MedicalOrganizationsSync`` (sync): organisations serving a region or locality.
* ``RPN_Attachment`` (async): the H1 application (REQUEST) → UPDATE (registered, with its number),
  then RESPONSE (signed talon or signed motivated refusal) to the sender.
"""

from __future__ import annotations

from functools import partial

from egov_kit.shep.provider import AsyncHandler, SyncHandler

from phc_registry.service_layer import organisations, portal_channel
from phc_registry.service_layer.runtime import PhcRuntime


def build_sync_handlers() -> dict[str, SyncHandler]:
    return {organisations.SERVICE_ID: organisations.medical_organisations}


def build_async_handlers(runtime: PhcRuntime) -> dict[str, AsyncHandler]:
    return {portal_channel.SERVICE_ID: partial(portal_channel.handle_attachment_request, runtime=runtime)}
