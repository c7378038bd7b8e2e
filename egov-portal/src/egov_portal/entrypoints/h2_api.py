"""The H2 JSON API «Запись на прием к врачу» (seed 001 §9), beside H1's and in its style.

Registered before the generic ``/api`` routes, so these paths are H2's own; the signed application
goes to the common ``POST /api/applications/H2`` (condition 2, process 4 / 5 of the pipeline).

* ``GET  /api/services/H2/form`` — the attached organisation, its doctors (specialty ru/kk, cabinet)
  and their FREE slots for the next working days; 422 ``NOT_ATTACHED``;
* ``POST /api/applications/H2/draft`` ``{doctorId, slotStart, reason?}`` — 201 ``{applicationId,
  status: "draft", xml}``; 422 ``DOCTOR_REQUIRED`` / ``DOCTOR_NOT_AVAILABLE`` / ``SLOT_REQUIRED`` /
  ``SLOT_INVALID`` / ``SLOT_NOT_AVAILABLE`` / ``REASON_TOO_LONG`` / ``NOT_ATTACHED``;
* ``GET  /api/applications/{id}/cancellation`` — ``{applicationId, cancellationId, xml}``: the
  unsigned cancellation of a booked appointment; 409 ``NOT_CANCELLABLE``;
* ``POST /api/applications/{id}/cancel`` ``{signed_xml}`` — 202 ``{applicationId, status,
  cancellation: {status: "sent", messageId}}``; 422 ``SIGNATURE_NOT_CONFIRMED`` with the reason
  (nothing sent); 409 ``NOT_CANCELLABLE``; then РПН frees the slot and the status becomes
  ``cancelled``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from egov_portal.domain.model import Application
from egov_portal.entrypoints.api import authenticated
from egov_portal.entrypoints.views import details_json, draft_created, organisation_json, user_json
from egov_portal.service_layer.appointments import (
    AppointmentForm,
    Appointments,
    CancellationRefused,
    doctor_json,
    slot_json,
)
from egov_portal.service_layer.tracing import continued, parent_carrier

TAG = "H2"


class H2DraftBody(BaseModel):
    doctorId: str | None = Field(None, description="a doctorId from GET /api/services/H2/form")
    slotStart: str | None = Field(
        None,
        description="a free slot's start from the form (ISO 8601 with offset)",
        examples=["2025-03-04T09:00:00+05:00"],
    )
    reason: str | None = Field(None, description="why (optional, at most 500 characters)")


class CancelBody(BaseModel):
    signed_xml: str = Field(description="the cancellation's xml with the recipient's enveloped XML-DSig")


def appointments(request: Request) -> Appointments:
    service: Appointments = request.app.state.appointments
    return service


def form_json(form: AppointmentForm) -> dict[str, Any]:
    attachment = form.attachment
    return {
        "organisation": {
            **organisation_json(attachment.organisation),
            "section": attachment.section,
            "attachedFrom": attachment.attached_from.isoformat() if attachment.attached_from else None,
        },
        "dateFrom": form.date_from.isoformat(),
        "dateTo": form.date_to.isoformat(),
        "doctors": [
            {**doctor_json(doctor), "slots": [slot_json(slot) for slot in doctor.slots]}
            for doctor in form.doctors
        ],
    }


def cancellation_summary(application: Application) -> dict[str, Any]:
    return {
        "applicationId": application.application_id,
        "status": application.status.value,
        "cancellation": details_json(application.details).get("cancellation"),
    }


def h2_api_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=[TAG])

    @router.get(
        "/services/H2/form",
        summary="H2 form: the attached organisation, its doctors and their free slots (RPN through ШЭП)",
        responses={422: {"description": "NOT_ATTACHED: the recipient is attached to no organisation"}},
    )
    async def form(request: Request) -> dict[str, Any]:
        user, session = authenticated(request)
        with continued(parent_carrier(request.headers, session.traceparent)):
            found = await appointments(request).form(user)
        return {"serviceId": "H2", "recipient": user_json(user), **form_json(found), "reasonMaxLength": 500}

    @router.post(
        "/applications/H2/draft",
        status_code=201,
        summary="H2 process 3: the chosen doctor and free slot → the unsigned application XML",
    )
    async def draft(request: Request, body: H2DraftBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        application = await appointments(request).draft(
            user,
            session,
            doctor_id=body.doctorId,
            slot_start=body.slotStart,
            reason=body.reason,
            headers=request.headers,
        )
        return draft_created(application, details=details_json(application.details))

    @router.get(
        "/applications/{application_id}/cancellation",
        summary="H2: the unsigned cancellation of a booked appointment, to sign",
        responses={409: {"description": "NOT_CANCELLABLE"}},
    )
    async def cancellation(request: Request, application_id: str) -> dict[str, Any]:
        user, _session = authenticated(request)
        application, xml = appointments(request).cancellation(user, application_id)
        pending = application.details.get("cancellation") or {}
        return {
            "applicationId": application.application_id,
            "cancellationId": pending.get("cancellationId"),
            "xml": xml,
        }

    @router.post(
        "/applications/{application_id}/cancel",
        status_code=202,
        summary="H2: the signed cancellation checked (signature, certificate, ИИН) and sent to РПН",
        responses={
            409: {"description": "NOT_CANCELLABLE"},
            422: {"description": "SIGNATURE_NOT_CONFIRMED with the reason; nothing sent"},
        },
    )
    async def cancel(request: Request, application_id: str, body: CancelBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        try:
            application = await appointments(request).cancel(
                user,
                session,
                application_id=application_id,
                signed_xml=body.signed_xml,
                headers=request.headers,
            )
        except CancellationRefused as refused:
            reason = refused.reason
            return JSONResponse(
                {
                    "error": "SIGNATURE_NOT_CONFIRMED",
                    "message_ru": f"Подпись отмены не подтверждена: {reason.ru}",
                    "message_kk": f"Бас тарту қолтаңбасы расталмады: {reason.kk}",
                    "applicationId": application_id,
                    "reason": reason.as_json(),
                },
                status_code=422,
            )
        return JSONResponse(cancellation_summary(application), status_code=202)

    return router
