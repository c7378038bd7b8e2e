"""The portal on ШЭП: it consumes its own asynchronous queue (``shep.async.EGOV_PORTAL``).

For every public service registered with ``egov_portal.service_layer.documents`` (H1's
``RPN_Attachment``, H2's ``RPN_Appointment`` …) the provider sends back an UPDATE (registered, with its
number) and a RESPONSE (the signed result or the signed motivated refusal). The provider runtime
checks the gateway's signature, makes the message's trace context current, calls the handler,
acknowledges.
"""

from __future__ import annotations

from egov_kit.shep.provider import AsyncHandler

from egov_portal.service_layer import documents
from egov_portal.service_layer.applications import Applications


def build_async_handlers(applications: Applications) -> dict[str, AsyncHandler]:
    return {docs.shep_service_id: applications.on_provider_message for docs in documents.registered()}
