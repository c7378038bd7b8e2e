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
from fastapi.responses import RedirectResponse

from egov_portal.domain.appointment_rules import DoctorSlots, NotAttached
from egov_portal.domain.errors import (
    ApplicationNotFound,
    ExternalUnavailable,
    FormInvalid,
    FormTooLarge,
    NotReady,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import Application, User
from egov_portal.entrypoints.context import parse_form, read_limited, visitor
from egov_portal.entrypoints.h2_api import appointments
from egov_portal.entrypoints.pages import error_page, render
from egov_portal.service_layer.accounts import csrf_matches
from egov_portal.service_layer.appointments import AppointmentForm, CancellationRefused
from egov_portal.service_layer.tracing import continued, parent_carrier

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


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def h2_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def service_page(
        request: Request,
        *,
        error: PortalError | None = None,
        values: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        p = request.app.state.portal
        entry = p.catalogue.entry(SERVICE_ID)
        if entry is None:
            return render(request, "not_found.html", status=404)
        found = visitor(request)
        form: AppointmentForm | None = None
        unavailable: PortalError | None = None
        not_attached: PortalError | None = None
        if entry.available and found.user is not None and found.session is not None:
            try:
                with continued(parent_carrier(request.headers, found.session.traceparent)):
                    form = await appointments(request).form(found.user)
            except NotAttached as exc:
                not_attached = exc
            except (ExternalUnavailable, NotReady) as exc:
                unavailable = exc
        chosen_id = (values or {}).get("doctorId") or request.query_params.get("doctor") or ""
        chosen: DoctorSlots | None = None
        if form is not None:
            chosen = next((doctor for doctor in form.doctors if doctor.doctor_id == chosen_id), None)
        context: dict[str, Any] = {
            "entry": entry,
            "form": form,
            "chosen": chosen,
            "unavailable": unavailable,
            "not_attached": not_attached,
            "error": error,
            "values": values or {},
            "day_label": day_label,
            "hhmm": hhmm,
        }
        lang_path = "/services/H2" + (f"?doctor={chosen.doctor_id}" if chosen else "")
        return render(request, "h2_service.html", context, status=status, lang_path=lang_path)

    @router.get("/services/H2")
    async def service(request: Request) -> Response:
        return await service_page(request)

    @router.post("/services/H2")
    async def service_form(request: Request) -> Response:
        found = visitor(request)
        if found.user is None or found.session is None:
            return _redirect("/login?next=/services/H2")
        p = request.app.state.portal
        body = await read_limited(request, p.settings.max_form_bytes)
        if body is None:
            limit_kb = p.settings.max_form_bytes // 1024
            too_large = FormTooLarge(
                f"Форма слишком большая: не более {limit_kb} КБ. Ничего не сохранено, заполните её заново.",
                f"Нысан тым үлкен: {limit_kb} КБ-тан аспауы керек. Ештеңе сақталмады, оны қайта толтырыңыз.",
            )
            return await service_page(request, error=too_large, status=too_large.http_status)
        form = parse_form(body)
        if form is None or not csrf_matches(found.session, form.get("csrf_token")):
            return render(request, "csrf.html", status=403, lang_path="/services/H2")
        values = {key: form.get(key, "") for key in ("doctorId", "slotStart", "reason")}
        try:
            application = await appointments(request).draft(
                found.user,
                found.session,
                doctor_id=form.get("doctorId"),
                slot_start=form.get("slotStart"),
                reason=form.get("reason"),
                headers=request.headers,
            )
        except (FormInvalid, NotAttached, ExternalUnavailable, NotReady) as error:
            return await service_page(request, error=error, values=values, status=error.http_status)
        return _redirect(f"/applications/{application.application_id}/sign")

    # --- the cancellation -----------------------------------------------------------------------
    def mine(request: Request, application_id: str) -> tuple[User, Application] | Response:
        found = visitor(request)
        if found.user is None:
            return _redirect(f"/login?next=/applications/{application_id}")
        try:
            return found.user, request.app.state.portal.applications.get(found.user, application_id)
        except ApplicationNotFound as error:
            return error_page(request, error, lang_path="/cabinet")

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
        p = request.app.state.portal
        body = await read_limited(request, p.settings.max_signed_bytes)
        form = None if body is None else parse_form(body)
        if body is not None and (form is None or not csrf_matches(found.session, form.get("csrf_token"))):
            return render(request, "csrf.html", status=403, lang_path=f"/applications/{application_id}")
        xml = str((application.details.get("cancellation") or {}).get("xml") or "")
        try:
            if form is None:
                limit_kb = p.settings.max_signed_bytes // 1024
                raise SignedDocumentRejected(
                    f"Подписанный документ больше {limit_kb} КБ: он не принят",
                    f"Қол қойылған құжат {limit_kb} КБ-тан үлкен: ол қабылданбады",
                )
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
        return _redirect(f"/applications/{application_id}")

    return router
