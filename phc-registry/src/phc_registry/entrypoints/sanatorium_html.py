"""H3's workstation pages under ``/workstation/h3`` (server-rendered, Russian and Kazakh).

Seed 004 at the provider, one page per step: the service (2) → the recipient's ИИН asked in ГБД ФЛ
(3; absent → printable refusal, 4) → the form: diagnosis, date and scans of the clinical results,
consent (5) → signing in the browser with ``/static/ncalayer.js`` (5) → registered with a number and
its term, the grounds checked (6) → the card 069/у (8) or a motivated refusal (7), each signed with
the employee's ЭЦП → the printable card 069/у (``/workstation/h3/cards/{number}/print``, for cards
of either channel) or refusal. ``/workstation/h3/applications`` is the register of H3 requests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from phc_registry.adapters.orm_sanatorium import SanatoriumApplicationRow
from phc_registry.domain.sanatorium import recommend
from phc_registry.entrypoints.web import (
    CSRF_FIELD,
    Sessions,
    bilingual,
    in_session_trace,
    page,
    read_uploads,
    xml_download,
)
from phc_registry.service_layer import h3_steps, sanatorium, sanatorium_workstation, workstation
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.workstation import WorkstationUser
from phc_registry.settings import Settings

BASE = "/workstation/h3"
_TRUE = frozenset({"on", "true", "1", "yes"})


def dmy(value: str | date | datetime | None, with_time: bool = False) -> str:
    """``2025-03-03`` / a moment → ``03.03.2025`` (``03.03.2025 10:15`` with the time), local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        local = sanatorium.local(value)
        return f"{local:%d.%m.%Y %H:%M}" if with_time else f"{local:%d.%m.%Y}"
    return f"{value:%d.%m.%Y}"


def _view(row: SanatoriumApplicationRow) -> dict[str, Any] | None:
    if row.result_xml is None:
        return None
    element = sanatorium.result_document(row)
    return h3.card_fields(element) if row.result_kind == "card" else h3.refusal_fields(element)


def h3_html_router(runtime: PhcRuntime, settings: Settings) -> APIRouter:
    router = APIRouter(prefix=BASE, tags=["workstation"], include_in_schema=False)

    sessions = Sessions(runtime)
    current_user, checked, acting = sessions.current, sessions.checked, sessions.acting

    def render(request: Request, name: str, user: WorkstationUser, **context: Any) -> Response:
        return page(
            request, name, user=user, dmy=dmy, base=BASE, new_href=BASE, new_label="h3_new_request", **context
        )

    def sign_page(
        request: Request, user: WorkstationUser, title: str, xml: str, action: str, **extra: Any
    ) -> Response:
        return render(request, "h3_sign.html", user, title=title, xml=xml, action=action, **extra)

    # --- step 2, and the start of step 3 -------------------------------------------------------
    @router.get("")
    def start(request: Request) -> Response:
        user = current_user(request)
        with in_session_trace(user):
            service = workstation.choose_service(runtime, user, h3_steps.REGULATION_ID)
        rows = sanatorium_workstation.applications(runtime, user, limit=10)
        return render(request, "h3_search.html", user, service=service, rows=rows, overdue=sanatorium.overdue)

    # --- steps 3 and 4 -------------------------------------------------------------------------
    @router.post("/lookup")
    async def lookup(
        request: Request, iin: Annotated[str, Form()], csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = ""
    ) -> Response:
        with acting(request, csrf_token) as user:
            outcome = await sanatorium_workstation.lookup(runtime, user, iin)
        if outcome.refusal is not None:
            return render(
                request,
                "refusal_print.html",
                user,
                doc=h3.refusal_fields(outcome.refusal),
                registered=False,
            )
        return render(
            request,
            "h3_person.html",
            user,
            person=outcome.lookup.person,
            attached_to=outcome.attached_to,
            today=now().astimezone(KZ_TZ).date().isoformat(),
        )

    # --- step 5 --------------------------------------------------------------------------------
    @router.post("/draft")
    async def draft(
        request: Request,
        iin: Annotated[str, Form()],
        diagnosis_code: Annotated[str, Form()],
        diagnosis_text: Annotated[str, Form()],
        examined_on: Annotated[date, Form()],
        consent: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
        files: Annotated[list[UploadFile] | None, File()] = None,
    ) -> Response:
        user = checked(request, csrf_token)
        read = await read_uploads(files, h3.MAX_FILE_BYTES)
        with in_session_trace(user):
            stored = sanatorium_workstation.upload_files(runtime, user, read)
            element = sanatorium_workstation.draft(
                runtime,
                user,
                iin=iin,
                diagnosis_code=diagnosis_code,
                diagnosis_text=diagnosis_text,
                examined_on=examined_on,
                consent=consent.strip().lower() in _TRUE,
                files=[item.sha256 for item in stored],
            )
        return sign_page(
            request, user, "h3_sign_request", h3.to_text(element), f"{BASE}/register", files=stored, step="5"
        )

    # --- steps 5 (signature) and 6 -------------------------------------------------------------
    @router.post("/register")
    async def register(
        request: Request,
        signed_xml: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    ) -> Response:
        with acting(request, csrf_token) as user:
            outcome = await sanatorium_workstation.register(runtime, user, signed_xml)
        return RedirectResponse(f"{BASE}/applications/{outcome.row.registration_number}", status_code=303)

    # --- the register of requests --------------------------------------------------------------
    @router.get("/applications")
    def applications(request: Request) -> Response:
        user = current_user(request)
        rows = sanatorium_workstation.applications(runtime, user)
        return render(request, "h3_register.html", user, rows=rows, overdue=sanatorium.overdue)

    @router.get("/applications/{number}")
    def application(request: Request, number: str) -> Response:
        user = current_user(request)
        row = sanatorium_workstation.application_of(runtime, user, number)
        return render(
            request,
            "h3_application.html",
            user,
            row=row,
            doc=_view(row),
            found=sanatorium.found_violation(row),
            found_wording=h3_steps.ground(row.found_ground) if row.found_ground else None,
            files=sanatorium.files_of(runtime.uow_factory, row.application_id),
            overdue=sanatorium.overdue(row),
            suggested=recommend(row.diagnosis_code),
            doctors=[m for m in user.organisation.staff if m.is_doctor],
            grounds=[h3_steps.ground(code) for code in h3.GROUNDS],
        )

    # --- step 8's and step 7's forms, the signed decision --------------------------------------
    @router.post("/applications/{number}/card")
    def card_form(
        request: Request,
        number: str,
        profile_ru: Annotated[str, Form()] = "",
        profile_kk: Annotated[str, Form()] = "",
        climate_zone_ru: Annotated[str, Form()] = "",
        climate_zone_kk: Annotated[str, Form()] = "",
        season_ru: Annotated[str, Form()] = "",
        season_kk: Annotated[str, Form()] = "",
        doctor_iin: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    ) -> Response:
        with acting(request, csrf_token) as user:
            element = sanatorium_workstation.card_draft(
                runtime,
                user,
                number,
                profile=bilingual(profile_ru, profile_kk),
                climate_zone=bilingual(climate_zone_ru, climate_zone_kk),
                season=bilingual(season_ru, season_kk),
                doctor_iin=doctor_iin or None,
            )
        return sign_page(
            request,
            user,
            "h3_sign_card",
            h3.to_text(element),
            f"{BASE}/applications/{number}/decision",
            step="8",
        )

    @router.post("/applications/{number}/refusal")
    def refusal_form(
        request: Request,
        number: str,
        ground: Annotated[str, Form()] = "",
        details_ru: Annotated[str, Form()] = "",
        details_kk: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    ) -> Response:
        with acting(request, csrf_token) as user:
            element = sanatorium_workstation.refusal_draft(
                runtime, user, number, ground=ground or None, details_ru=details_ru, details_kk=details_kk
            )
        return sign_page(
            request,
            user,
            "h3_sign_refusal",
            h3.to_text(element),
            f"{BASE}/applications/{number}/decision",
            step="7",
        )

    @router.post("/applications/{number}/decision")
    async def decision(
        request: Request,
        number: str,
        signed_xml: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    ) -> Response:
        with acting(request, csrf_token) as user:
            await sanatorium_workstation.decide(runtime, user, number, signed_xml)
        return RedirectResponse(f"{BASE}/applications/{number}", status_code=303)

    # --- print views ---------------------------------------------------------------------------
    @router.get("/cards/{number}/print")
    def card_print(request: Request, number: str) -> Response:
        """The card 069/у as the Ministry's form, printable, in the page's language (either channel)."""
        user = current_user(request)
        row = sanatorium_workstation.card_of(runtime, user, number)
        doc = h3.card_fields(sanatorium.parse_stored(row.signed_xml))
        return render(request, "h3_card_print.html", user, doc=doc)

    @router.get("/applications/{number}/print")
    def result_print(request: Request, number: str) -> Response:
        user = current_user(request)
        row = sanatorium_workstation.application_of(runtime, user, number)
        if row.result_kind == "card" and row.result_number:
            return RedirectResponse(f"{BASE}/cards/{row.result_number}/print", status_code=303)
        doc = _view(row)
        if doc is None:
            return RedirectResponse(f"{BASE}/applications/{number}", status_code=303)
        return render(request, "refusal_print.html", user, doc=doc, registered=True)

    @router.get("/applications/{number}/document.xml")
    def document(request: Request, number: str) -> Response:
        user = current_user(request)
        row = sanatorium_workstation.application_of(runtime, user, number)
        return xml_download(sanatorium.result_document(row), f"{number}-{row.result_kind}.xml")

    return router
