"""The H3 pages (seed 004), Kazakh and Russian, usable without JavaScript but for EDS signing.

* ``/services/H3`` — the service and its form (process 3): the organisation the recipient is
  attached to, the diagnosis, the date of the results, the files (``multipart/form-data``), the
  consent checkbox (unchecked: a warning, the request still goes and the provider refuses with
  ``NO_CONSENT``) and EDS or one-time password. EDS continues on the common signing page
  (``/applications/{id}/sign``), the one-time password on ``/applications/{id}/otp``.
* ``/applications/{id}/otp`` — condition 2 by one-time password: send the code by SMS to the
  registered phone, type it; a wrong code shows the attempts left, an expired code or a locked
  request is process 4.

Registered before the common pages, so ``/services/H3`` is this module's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from egov_kit.attachments import megabytes
from egov_kit.clock import now
from egov_kit.regulations import load_regulation
from fastapi import APIRouter, Request, Response

from egov_portal.domain.errors import ExternalUnavailable, FormInvalid, FormTooLarge, NotReady, PortalError
from egov_portal.domain.model import Application, ApplicationStatus, Session, User
from egov_portal.domain.otp import mask_phone
from egov_portal.entrypoints.context import read_limited, visitor
from egov_portal.entrypoints.h3_api import SIMULATED_TIME_HEADER, h3_service
from egov_portal.entrypoints.h3_input import H3_DRAFT_MAX_BYTES, form_values, read_h3_form
from egov_portal.entrypoints.rendering import (
    ServicePage,
    csrf_failed,
    csrf_ok,
    error_page,
    login_redirect,
    owned_application,
    read_form,
    redirect,
    render,
)
from egov_portal.service_layer.h3_applications import consent_text, limits

SERVICE_ID = "H3"
SMALL_FORM_BYTES = 8 * 1024


def _limits() -> dict[str, Any]:
    max_files, max_file, max_total, media = limits()
    return {
        "max_files": max_files,
        "file_mb": megabytes(max_file),
        "total_mb": megabytes(max_total),
        "media_types": media,
    }


class Confirming(NamedTuple):
    user: User
    session: Session
    application: Application
    form: dict[str, str]


def h3_pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def fill(request: Request, context: dict[str, Any]) -> None:
        user = visitor(request).user
        consent_ru, consent_kk = consent_text()
        context.update(
            limits=_limits(),
            consent_ru=consent_ru,
            consent_kk=consent_kk,
            phone_masked=mask_phone(user.phone) if user else "",
            today=now().date().isoformat(),
        )

    service_page = ServicePage(SERVICE_ID, "h3_service.html", load=lambda r: h3_service(r).form, fill=fill)

    @router.get("/services/H3")
    async def service(request: Request) -> Response:
        return await service_page(request)

    @router.post("/services/H3")
    async def service_form(request: Request) -> Response:
        found = visitor(request)
        if found.user is None or found.session is None:
            return login_redirect(request)
        body = await read_limited(request, H3_DRAFT_MAX_BYTES)
        if body is None:
            limit_mb = megabytes(H3_DRAFT_MAX_BYTES)
            too_large = FormTooLarge(
                f"Форма с файлами больше {limit_mb} МБ: ничего не сохранено, прикрепите файлы меньше.",
                f"Файлдары бар нысан {limit_mb} МБ-тан үлкен: ештеңе сақталмады, кішірек файлдар тіркеңіз.",
            )
            return await service_page(request, error=too_large, status=too_large.http_status)
        replay = _replayed_request(request, body)
        try:
            h3_input, text = await read_h3_form(replay)
        except FormInvalid as error:
            return await service_page(request, error=error, status=error.http_status)
        if not csrf_ok(found, text):
            return csrf_failed(request, "/services/H3")
        values = form_values(text)
        try:
            application = await h3_service(request).draft(
                found.user,
                found.session,
                h3_input,
                simulated_time=request.headers.get(SIMULATED_TIME_HEADER),
                headers=request.headers,
            )
        except (FormInvalid, ExternalUnavailable, NotReady) as error:
            return await service_page(request, error=error, values=values, status=error.http_status)
        return redirect(_next_page(application))

    # --- the one-time password (condition 2, seed 004 item 10) ------------------------------------
    def mine(request: Request, application_id: str) -> tuple[User, Application] | Response:
        return owned_application(request, application_id, login_next=f"/applications/{application_id}/otp")

    def otp_page(
        request: Request,
        application: Application,
        user: User,
        *,
        error: PortalError | None = None,
        sent: bool = False,
        status: int = 200,
    ) -> Response:
        settings = request.app.state.settings
        context = {
            "application": application,
            "error": error,
            "sent": sent,
            "phone_masked": mask_phone(user.phone),
            "ttl_minutes": settings.otp_ttl_minutes,
            "max_attempts": settings.otp_max_attempts,
        }
        path = f"/applications/{application.application_id}/otp"
        return render(request, "h3_otp.html", context, status=status, lang_path=path)

    async def confirming(request: Request, application_id: str) -> Confirming | Response:
        """The visitor's own application and a CSRF-checked small form (else the response to give)."""
        found = mine(request, application_id)
        if isinstance(found, Response):
            return found
        user, application = found
        form = await read_form(request, SMALL_FORM_BYTES)
        session = visitor(request).session
        if form is None or session is None or not csrf_ok(visitor(request), form):
            return csrf_failed(request, f"/applications/{application_id}/otp")
        return Confirming(user, session, application, form)

    @router.get("/applications/{application_id}/otp")
    async def otp(request: Request, application_id: str) -> Response:
        found = mine(request, application_id)
        if isinstance(found, Response):
            return found
        user, application = found
        if application.service_id != SERVICE_ID or application.status != ApplicationStatus.DRAFT:
            return redirect(f"/applications/{application_id}")
        return otp_page(request, application, user)

    @router.post("/applications/{application_id}/otp/send")
    async def otp_send(request: Request, application_id: str) -> Response:
        found = await confirming(request, application_id)
        if isinstance(found, Response):
            return found
        user, session, application, _form = found
        try:
            application, _sent = await h3_service(request).request_otp(
                user, session, application_id=application_id, headers=request.headers
            )
        except PortalError as error:
            return otp_page(request, application, user, error=error, status=error.http_status)
        return otp_page(request, application, user, sent=True)

    @router.post("/applications/{application_id}/otp")
    async def otp_confirm(request: Request, application_id: str) -> Response:
        found = await confirming(request, application_id)
        if isinstance(found, Response):
            return found
        user, session, application, form = found
        try:
            application = await h3_service(request).confirm_otp(
                user, session, application_id=application_id, code=form.get("code"), headers=request.headers
            )
        except PortalError as error:
            current = h3_service(request).applications.get(user, application_id)
            if current.status != ApplicationStatus.DRAFT:
                return error_page(request, error, lang_path=f"/applications/{application_id}")
            return otp_page(request, current, user, error=error, status=error.http_status)
        if application.status == ApplicationStatus.REFUSED:
            step = load_regulation(SERVICE_ID).channel("portal").step("process 4")
            context = {"application": application, "title_ru": step.title_ru, "title_kk": step.title_kk}
            path = f"/applications/{application_id}"
            return render(request, "process4.html", context, status=422, lang_path=path)
        return redirect(f"/applications/{application_id}")

    return router


def _next_page(application: Application) -> str:
    if application.details.get("confirmation") == "otp":
        return f"/applications/{application.application_id}/otp"
    return f"/applications/{application.application_id}/sign"


def _replayed_request(request: Request, body: bytes) -> Request:
    """The same request, its body already read (within the limit), for the multipart parser."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)
