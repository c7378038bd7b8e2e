"""The portal on ШЭП: it consumes its own asynchronous queue (``shep.async.EGOV_PORTAL``).

РПН sends back, for ``RPN_Attachment``, an UPDATE (registered, with its number) and a RESPONSE
(the signed talon or the signed motivated refusal). The provider runtime checks the gateway's
signature, makes the message's trace context current, calls the handler, acknowledges.
"""

from __future__ import annotations

from egov_kit.shep.provider import AsyncHandler

from egov_portal.service_layer.applications import SHEP_SERVICE_ID, Applications


def build_async_handlers(applications: Applications) -> dict[str, AsyncHandler]:
    return {SHEP_SERVICE_ID: applications.on_attachment_message}
