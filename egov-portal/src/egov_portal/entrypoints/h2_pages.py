"""The H2 pages «Запись на прием к врачу» (seed 001 §9), Kazakh and Russian, usable without JavaScript
but for EDS signing.

* ``/services/H2`` — the service and its form (process 3): the organisation the recipient is attached
  to, its doctors (specialty, cabinet, how many free times), then — with ``?doctor=<id>`` — that
  doctor's free times grouped by day as radio buttons, an optional reason, «continue: sign». The
  signing page is the common one (``/applications/{id}/sign``).
* ``/applications/{id}/cancel`` — the cancellation of a booked appointment: the document to sign
  with NCALayer (the same page script as the application's), or pasted signed XML; sent to РПН.

Registered before the common pages, so ``/services/H2`` is this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from egov_kit.clock import KZ_TZ
from fastapi import APIRouter, Request, Response

from egov_portal.domain.appointment_rules import DoctorSlots
from egov_portal.domain.errors import (
    ExternalUnavailable,
    FormInvalid,
    NotAttached,
    NotReady,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import Application, Session, User
from egov_portal.entrypoints.context import visitor
from egov_portal.entrypoints.h2_api import appointments
from egov_portal.entrypoints.rendering import (
    ServicePage,
    draft_from_form,
    error_page,
    owned_application,
    read_signed_form,
    redirect,
    render,
)
from egov_portal.service_layer.appointments import AppointmentForm, CancellationRefused

SERVICE_ID = "H2"

WEEKDAYS_KK = ("Дүйсенбі", "Сейсенбі", "Сәрсенбі", "Бейсенбі", "Жұма", "Сенбі", "Жексенбі")
WEEKDAYS_RU = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")


def day_label(day: date, lang: str) -> str:
    """``Сейсенбі, 04.03.2025`` / ``Вторник, 04.03.2025``."""
    names = WEEKDAYS_KK if lang == "kk" else WEEKDAYS_RU
    return f"{names[day.weekday()]}, {day:%d.%m.%Y}"


def hhmm(moment: datetime | str) -> str:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(KZ_TZ).strftime("%H:%M")


def h2_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def fill(request: Request, context: dict[str, Any]) -> str:
        form: AppointmentForm | None = context["form"]
        chosen_id = context["values"].get("doctorId") or request.query_params.get("doctor") or ""
        chosen: DoctorSlots | None = None
        if form is not None:
            chosen = next((doctor for doctor in form.doctors if doctor.doctor_id == chosen_id), None)
        context.update(chosen=chosen, day_label=day_label, hhmm=hhmm)
        return "/services/H2" + (f"?doctor={chosen.doctor_id}" if chosen else "")

    service_page = ServicePage(
        SERVICE_ID,
        "h2_service.html",
        load=lambda r: appointments(r).form,
        fill=fill,
        caught={"not_attached": NotAttached},
    )

    @router.get("/services/H2")
    async def service(request: Request) -> Response:
        return await service_page(request)

    @router.post("/services/H2")
    async def service_form(request: Request) -> Response:
        async def draft(user: User, session: Session, form: Mapping[str, str]) -> Application:
            return await appointments(request).draft(
                user,
                session,
                doctor_id=form.get("doctorId"),
                slot_start=form.get("slotStart"),
                reason=form.get("reason"),
                headers=request.headers,
            )

        return await draft_from_form(
            request,
            SERVICE_ID,
            fields=("doctorId", "slotStart", "reason"),
            draft=draft,
            page=service_page,
            errors=(FormInvalid, ExternalUnavailable, NotReady),  # NOT_ATTACHED is a FormInvalid
        )

    # --- the cancellation -----------------------------------------------------------------------
    def mine(request: Request, application_id: str) -> tuple[User, Application] | Response:
        return owned_application(request, application_id, login_next=f"/applications/{application_id}")

    def cancel_page(
        request: Request,
        application: Application,
        xml: str,
        *,
        error: PortalError | None = None,
        status: int = 200,
    ) -> Response:
        context = {"application": application, "xml": xml, "error": error}
        lang_path = f"/applications/{application.application_id}/cancel"
        return render(request, "h2_cancel.html", context, status=status, lang_path=lang_path)

    @router.get("/applications/{application_id}/cancel")
    async def cancellation(request: Request, application_id: str) -> Response:
        mine_ = mine(request, application_id)
        if isinstance(mine_, Response):
            return mine_
        user, _application = mine_
        try:
            application, xml = appointments(request).cancellation(user, application_id)
        except PortalError as error:
            return error_page(request, error, lang_path=f"/applications/{application_id}")
        return cancel_page(request, application, xml)

    @router.post("/applications/{application_id}/cancel")
    async def cancel(request: Request, application_id: str) -> Response:
        mine_ = mine(request, application_id)
        if isinstance(mine_, Response):
            return mine_
        user, application = mine_
        found = visitor(request)
        assert found.session is not None
        form = await read_signed_form(request, f"/applications/{application_id}")
        if isinstance(form, Response):
            return form
        xml = str((application.details.get("cancellation") or {}).get("xml") or "")
        try:
            if isinstance(form, SignedDocumentRejected):
                raise form
            await appointments(request).cancel(
                user,
                found.session,
                application_id=application_id,
                signed_xml=form.get("signed_xml"),
                headers=request.headers,
            )
        except CancellationRefused as refused:
            error = PortalError(
                f"Подпись отмены не подтверждена: {refused.reason.ru}",
                f"Бас тарту қолтаңбасы расталмады: {refused.reason.kk}",
                code="SIGNATURE_NOT_CONFIRMED",
            )
            return cancel_page(request, application, xml, error=error, status=422)
        except SignedDocumentRejected as error:
            return cancel_page(request, application, xml, error=error, status=error.http_status)
        except PortalError as error:
            return error_page(request, error, lang_path=f"/applications/{application_id}")
        return redirect(f"/applications/{application_id}")

    return router
