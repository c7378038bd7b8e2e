"""ШЭП handlers of phc-registry: serviceId → handler, for the provider runtime.

* ``RPN_MedicalOrganizationsSync`` (sync): organisations serving a region or locality.
* ``RPN_Attachment`` (async): the H1 application (REQUEST) → UPDATE (registered, with its number),
  then RESPONSE (signed talon or signed motivated refusal) to the sender.

H2 «Запись на прием к врачу» (:func:`build_h2_sync_handlers`, :func:`build_h2_async_handlers`):

* ``RPN_DoctorScheduleSync`` (sync): an organisation's doctors with their free slots.
* ``RPN_Appointment`` (async): the appointment request or its cancellation (REQUEST) → UPDATE,
  then RESPONSE (signed appointment or signed motivated refusal; status CANCELLED).

H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении» (:func:`build_h3_async_handlers`):

* ``PHC_SanatoriumCard`` (async): the request (REQUEST) → UPDATE (registered, number, term), then
  RESPONSE (signed card 069/у or signed motivated refusal).

:func:`all_sync_handlers` and :func:`all_async_handlers` are what the app serves.
"""

from __future__ import annotations

from functools import partial

from egov_kit.shep.provider import AsyncHandler, SyncHandler

from phc_registry.service_layer import appointment_channel, organisations, portal_channel, sanatorium_channel
from phc_registry.service_layer.runtime import PhcRuntime


def build_sync_handlers(runtime: PhcRuntime | None = None) -> dict[str, SyncHandler]:
    """``RPN_MedicalOrganizationsSync``; with the runtime it also answers ``recipientIin`` (attachment)."""
    if runtime is None:
        return {organisations.SERVICE_ID: organisations.medical_organisations}
    return {
        organisations.SERVICE_ID: partial(
            organisations.medical_organisations, uow_factory=runtime.uow_factory
        )
    }


def build_async_handlers(runtime: PhcRuntime) -> dict[str, AsyncHandler]:
    return {portal_channel.SERVICE_ID: partial(portal_channel.handle_attachment_request, runtime=runtime)}


def build_h2_sync_handlers(runtime: PhcRuntime) -> dict[str, SyncHandler]:
    return {
        appointment_channel.SCHEDULE_SERVICE_ID: partial(appointment_channel.doctor_schedule, runtime=runtime)
    }


def build_h2_async_handlers(runtime: PhcRuntime) -> dict[str, AsyncHandler]:
    return {
        appointment_channel.SERVICE_ID: partial(
            appointment_channel.handle_appointment_message, runtime=runtime
        )
    }


def build_h3_async_handlers(runtime: PhcRuntime) -> dict[str, AsyncHandler]:
    return {
        sanatorium_channel.SERVICE_ID: partial(sanatorium_channel.handle_sanatorium_request, runtime=runtime)
    }


def all_sync_handlers(runtime: PhcRuntime) -> dict[str, SyncHandler]:
    return {**build_sync_handlers(runtime), **build_h2_sync_handlers(runtime)}


def all_async_handlers(runtime: PhcRuntime) -> dict[str, AsyncHandler]:
    return {
        **build_async_handlers(runtime),
        **build_h2_async_handlers(runtime),
        **build_h3_async_handlers(runtime),
    }
