"""The workstation as JSON, for automation (``egov replay`` drives it): ``/api/workstation/…``.

1. ``POST /api/workstation/login`` {iin, password} → session cookie ``phc_session`` + ``csrf_token``
   (step 1). Every later POST sends the token in the ``X-CSRF-Token`` header.
2. ``POST /api/workstation/service`` {service: "H1"} (step 2; done by the first look-up otherwise).
3. ``POST /api/workstation/h1/lookup`` {iin} → the person, an existing attachment, the sections; or
   the signed refusal of step 4 when ГБД ФЛ has no data (step 3).
4. ``POST /api/workstation/h1/scans`` (multipart ``files``) → their references (optional).
5. ``GET /api/workstation/h1/draft?iin=&section=&reason=&scan=`` → the unsigned application XML.
6. ``POST /api/workstation/h1/register`` {signed_xml} → registration number, status and the signed
   talon or refusal (steps 5–8).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from egov_kit.documents.h1 import refusal_fields, talon_fields, to_text
from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from lxml import etree
from pydantic import BaseModel, Field

from phc_registry.adapters.orm import ApplicationRow
from phc_registry.entrypoints.web import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Sessions,
    api_errors,
    clear_session_cookie,
    in_session_trace,
    read_uploads,
    set_session_cookie,
)
from phc_registry.service_layer import attachment, workstation
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.workstation import WorkstationUser
from phc_registry.settings import Settings

TAG = "workstation API"

_ERRORS = api_errors("INVALID_IIN_BIN, SCHEMA_VIOLATION, SIGNATURE_INVALID, …", {423: "ACCOUNT_LOCKED"})


class LoginIn(BaseModel):
    iin: str = Field(min_length=12, max_length=12, examples=["900721450020"])
    password: str = Field(min_length=1, max_length=200, examples=["phc-dev-password"])


class EmployeeOut(BaseModel):
    iin: str
    full_name: str
    position_ru: str
    position_kk: str
    authorised: bool


class OrganisationOut(BaseModel):
    code: str
    bin: str
    name_ru: str
    name_kk: str
    address_ru: str
    address_kk: str


class SessionOut(BaseModel):
    employee: EmployeeOut
    organisation: OrganisationOut
    csrf_token: str
    expires_at: datetime
    service: str | None = None


class ServiceIn(BaseModel):
    service: str = "H1"


class ServiceOut(BaseModel):
    code: str
    name_ru: str
    name_kk: str


class LookupIn(BaseModel):
    iin: str = Field(examples=["880412390017"])


class AddressOut(BaseModel):
    region: str
    locality: str
    full_ru: str
    full_kk: str


class PersonOut(BaseModel):
    iin: str
    full_name: str
    birth_date: date
    deceased: bool
    death_date: date | None = None
    address: AddressOut | None = None


class AttachmentOut(BaseModel):
    organisation: str
    section: str
    doctor: str
    attached_from: date
    talon_number: str | None = None


class SectionOut(BaseModel):
    number: str
    name_ru: str
    name_kk: str
    locality: str


class RefusalOut(BaseModel):
    ground: str
    ground_ru: str
    ground_kk: str
    details_ru: str
    details_kk: str
    signed_xml: str


class LookupOut(BaseModel):
    iin: str
    status: str = Field(description="found, deceased or absent (ГБД ФЛ)")
    person: PersonOut | None = None
    attachment: AttachmentOut | None = None
    serves_address: bool = False
    suggested_section: str | None = None
    sections: list[SectionOut] = Field(default_factory=list)
    refusal: RefusalOut | None = Field(None, description="step 4: absent from ГБД ФЛ")


class ScanOut(BaseModel):
    file_name: str
    media_type: str
    sha256: str


class RegisterIn(BaseModel):
    signed_xml: str = Field(description="the application from /draft, signed with the employee's ЭЦП")


class ApplicationOut(BaseModel):
    registration_number: str
    application_id: str
    status: str
    ground: str | None = None
    recipient_iin: str
    organisation: str
    section: str | None = None
    registered_at: datetime
    talon: str | None = Field(None, description="signed talon XML (step 8)")
    refusal: str | None = Field(None, description="signed refusal XML (step 7)")
    document: dict[str, Any] | None = Field(None, description="the result's fields for a view")
    history: list[dict[str, Any]] = Field(default_factory=list)


def session_out(user: WorkstationUser) -> SessionOut:
    member, org = user.member, user.organisation
    return SessionOut(
        employee=EmployeeOut(
            iin=member.iin,
            full_name=member.full_name,
            position_ru=member.position_ru,
            position_kk=member.position_kk,
            authorised=member.authorised,
        ),
        organisation=OrganisationOut(
            code=org.code,
            bin=org.bin,
            name_ru=org.name_ru,
            name_kk=org.name_kk,
            address_ru=org.address_ru,
            address_kk=org.address_kk,
        ),
        csrf_token=user.csrf_token,
        expires_at=user.expires_at,
        service=user.service,
    )


def refusal_out(refusal: etree._Element, fields: dict[str, Any]) -> RefusalOut:
    """Step 4's signed refusal (H1's or H3's document) with its ``fields`` for a view."""
    return RefusalOut(
        ground=fields["ground_code"],
        ground_ru=fields["ground_ru"],
        ground_kk=fields["ground_kk"],
        details_ru=fields["details_ru"],
        details_kk=fields["details_kk"],
        signed_xml=to_text(refusal),
    )


def add_login(
    router: APIRouter, runtime: PhcRuntime, settings: Settings, description: str, service: str | None = None
) -> None:
    """``POST /login`` (step 1 of ``service``, H1's by default) on a workstation JSON router."""

    @router.post("/login", response_model=SessionOut, description=description)
    def login(body: LoginIn) -> JSONResponse:
        token, user = workstation.login(runtime, body.iin, body.password, service=service)
        response = JSONResponse(session_out(user).model_dump(mode="json"))
        set_session_cookie(response, token, settings)
        return response


def application_out(row: ApplicationRow) -> ApplicationOut:
    document: dict[str, Any] | None = None
    xml: str | None = None
    if row.result_xml is not None:
        element = attachment.result_document(row)
        xml = to_text(element)
        document = talon_fields(element) if row.result_kind == "talon" else refusal_fields(element)
    return ApplicationOut(
        registration_number=row.registration_number,
        application_id=row.application_id,
        status=row.status,
        ground=row.ground,
        recipient_iin=row.recipient_iin,
        organisation=row.organisation,
        section=row.section,
        registered_at=attachment.utc(row.registered_at) or row.registered_at,
        talon=xml if row.result_kind == "talon" else None,
        refusal=xml if row.result_kind == "refusal" else None,
        document=document,
        history=row.history,
    )


def api_router(runtime: PhcRuntime, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api/workstation", tags=[TAG], responses=_ERRORS)

    sessions = Sessions(runtime)
    current_user, checked, acting = sessions.current, sessions.checked, sessions.acting

    add_login(
        router,
        runtime,
        settings,
        "Step 1: ИИН and password; sets the HttpOnly session cookie, returns the CSRF token.",
    )

    @router.post("/logout", status_code=204)
    def logout(
        request: Request, x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None
    ) -> Response:
        checked(request, x_csrf_token)
        workstation.logout(runtime, request.cookies.get(SESSION_COOKIE))
        response = Response(status_code=204)
        clear_session_cookie(response, settings)
        return response

    @router.get("/me", response_model=SessionOut)
    def me(request: Request) -> SessionOut:
        return session_out(current_user(request))

    @router.post("/service", response_model=ServiceOut)
    def choose_service(
        request: Request,
        body: ServiceIn,
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> ServiceOut:
        """Step 2: choose the service (H1, named as the regulation names it)."""
        with acting(request, x_csrf_token) as user:
            choice = workstation.choose_service(runtime, user, body.service)
        return ServiceOut(code=choice.code, name_ru=choice.name_ru, name_kk=choice.name_kk)

    @router.post("/h1/lookup", response_model=LookupOut)
    async def lookup(
        request: Request,
        body: LookupIn,
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> LookupOut:
        """Step 3: the recipient in ГБД ФЛ through ШЭП; step 4 (a signed refusal) when absent."""
        with acting(request, x_csrf_token) as user:
            outcome = await workstation.lookup(runtime, user, body.iin)
        found = outcome.lookup
        out = LookupOut(iin=found.iin, status=found.status)
        if outcome.refusal is not None:
            out.refusal = refusal_out(outcome.refusal, refusal_fields(outcome.refusal))
            return out
        person = found.person
        if person is not None:
            out.person = PersonOut(
                iin=person.iin,
                full_name=person.full_name,
                birth_date=person.birth_date,
                deceased=person.deceased,
                death_date=person.death_date,
                address=None
                if person.address is None
                else AddressOut(
                    region=person.address.region,
                    locality=person.address.locality,
                    full_ru=person.address.full_ru,
                    full_kk=person.address.full_kk,
                ),
            )
        if outcome.attachment is not None:
            current = outcome.attachment
            out.attachment = AttachmentOut(
                organisation=current.organisation,
                section=current.section,
                doctor=current.doctor,
                attached_from=current.attached_from,
                talon_number=current.talon_number,
            )
        out.serves_address = outcome.serves
        out.suggested_section = outcome.suggested.number if outcome.suggested else None
        out.sections = [
            SectionOut(number=s.number, name_ru=s.name_ru, name_kk=s.name_kk, locality=s.locality.code)
            for s in user.organisation.sections
        ]
        return out

    @router.post("/h1/scans", response_model=list[ScanOut])
    async def scans(
        request: Request,
        files: Annotated[list[UploadFile], File(description="PDF, JPEG or PNG, at most 5 MB each")],
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> list[ScanOut]:
        """Step 5: scanned documents; every file is checked before any is stored."""
        user = checked(request, x_csrf_token)
        read = await read_uploads(files, runtime.limits.max_scan_bytes, unnamed="scan")
        with in_session_trace(user):
            references = workstation.upload_scans(runtime, user, read)
        return [ScanOut(file_name=r.file_name, media_type=r.media_type, sha256=r.sha256) for r in references]

    @router.get(
        "/h1/draft",
        response_class=Response,
        responses={200: {"content": {"application/xml": {}}, "description": "the unsigned application"}},
    )
    def draft(
        request: Request,
        iin: str,
        reason: Annotated[str, Query(min_length=1, max_length=500)],
        section: str | None = None,
        scan: Annotated[list[str] | None, Query(description="sha256 of an uploaded scan")] = None,
    ) -> Response:
        """Step 5: the unsigned application (after the look-up); the section defaults to the address's."""
        user = current_user(request)
        if not section:
            found = workstation.cached_lookup(user, iin)
            address = found.person.address if found.person else None
            suggested = user.organisation.serving_section(address) if address else None
            section = suggested.number if suggested else user.organisation.sections[0].number
        with in_session_trace(user):
            element = workstation.draft(runtime, user, iin, section, reason, scan or [])
        return Response(to_text(element).encode("utf-8"), media_type="application/xml")

    @router.post("/h1/register", response_model=ApplicationOut)
    async def register(
        request: Request,
        body: RegisterIn,
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> ApplicationOut:
        """Steps 5–8: verify the employee's signature, register with a number, refuse or attach."""
        with acting(request, x_csrf_token) as user:
            outcome = await workstation.register(runtime, user, body.signed_xml)
        return application_out(outcome.row)

    @router.get("/h1/applications/{number}", response_model=ApplicationOut)
    def application(request: Request, number: str) -> ApplicationOut:
        user = current_user(request)
        return application_out(workstation.application_of(runtime, user, number))

    return router
