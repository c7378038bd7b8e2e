"""H3 at the workstation as JSON (``egov replay`` drives it): ``/api/workstation/h3/…``.

Seed 004 «Выдача заключения о нуждаемости в санаторно-курортном лечении», provider channel:

1. ``POST /login`` {iin, password} — step 1 (the session cookie, ``csrf_token``; later POSTs send it
   in ``X-CSRF-Token``);
2. ``POST /service`` — step 2 (else done by the first look-up);
3. ``POST /lookup`` {iin} — step 3; step 4's signed refusal when ГБД ФЛ has no data;
4. ``POST /files`` (multipart ``files``) — the scanned clinical results (3 × 1 MiB, 2 MiB together);
5. ``POST /draft`` {iin, diagnosis_code, diagnosis_text, examined_on, consent, files: [sha256]} — the
   unsigned request (step 5), to sign with the employee's ЭЦП;
6. ``POST /register`` {signed_xml} — steps 5–6: number, term, the ground found (if any);
7. ``POST /applications/{number}/card`` or ``/refusal`` — the form of step 8 or 7 (unsigned XML);
8. ``POST /applications/{number}/decision`` {signed_xml} — step 7 or 8, signed by the employee.

``GET /applications`` is the register (status, registered_for, due_at, overdue), ``GET
/applications/{number}`` one request, ``GET /cards/{number}`` a card's fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from egov_kit.documents import h3
from fastapi import APIRouter, File, Header, Request, UploadFile
from pydantic import BaseModel, Field

from phc_registry.adapters.orm_sanatorium import SanatoriumApplicationRow
from phc_registry.entrypoints.web import (
    CSRF_HEADER,
    Sessions,
    api_errors,
    bilingual,
    in_session_trace,
    read_uploads,
)
from phc_registry.entrypoints.workstation_api import (
    RefusalOut,
    ServiceOut,
    add_login,
    refusal_out,
)
from phc_registry.service_layer import h3_steps, sanatorium, sanatorium_workstation, workstation
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.settings import Settings

TAG = "workstation API: H3"

_ERRORS = api_errors(
    "SCHEMA_VIOLATION, SIGNATURE_INVALID, UNKNOWN_GROUND, …",
    {
        404: "APPLICATION_NOT_FOUND",
        409: "LOOKUP_REQUIRED, APPLICATION_MISMATCH, ALREADY_DECIDED, CARD_NOT_ALLOWED, DRAFT_REQUIRED",
        413: "ATTACHMENT_TOO_LARGE, ATTACHMENTS_TOO_LARGE",
        415: "ATTACHMENT_TYPE_NOT_ALLOWED",
        422: "ATTACHMENT_TOO_MANY, or a body that is not the documented shape",
    },
)


Csrf = Annotated[str | None, Header(alias=CSRF_HEADER)]


class LookupIn(BaseModel):
    iin: str = Field(examples=["541130390295"])


class PersonOut(BaseModel):
    iin: str
    full_name: str
    birth_date: date
    sex_ru: str | None = None
    sex_kk: str | None = None
    deceased: bool
    death_date: date | None = None
    identity_document_valid: bool | None = None
    address_ru: str | None = None
    address_kk: str | None = None


class LookupOut(BaseModel):
    iin: str
    status: str = Field(description="found, deceased or absent (ГБД ФЛ)")
    person: PersonOut | None = None
    attached_to: str | None = Field(None, description="the organisation of the active attachment")
    attached_here: bool = False
    refusal: RefusalOut | None = Field(None, description="step 4: absent from ГБД ФЛ (UNRELIABLE_DATA)")


class FileOut(BaseModel):
    file_name: str
    media_type: str
    size: int
    sha256: str


class DraftIn(BaseModel):
    iin: str
    diagnosis_code: str = Field(examples=["M17.1"], description="the main diagnosis, ICD-10")
    diagnosis_text: str = Field(min_length=1, max_length=1000)
    examined_on: date = Field(description="the date of the clinical and diagnostic results")
    consent: bool = Field(description="consent to access restricted personal data (item 9 3))")
    files: list[str] = Field(default_factory=list, description="sha256 of files from /files")


class XmlOut(BaseModel):
    xml: str
    application_id: str | None = None
    card_number: str | None = None


class SignedIn(BaseModel):
    signed_xml: str


class CardIn(BaseModel):
    """Step 8's choices; left out, the table of the diagnosis's chapter (ours) and the employee."""

    profile_ru: str | None = None
    profile_kk: str | None = None
    climate_zone_ru: str | None = None
    climate_zone_kk: str | None = None
    season_ru: str | None = None
    season_kk: str | None = None
    doctor_iin: str | None = Field(None, description="the doctor who issues the card (default: you)")


class RefusalIn(BaseModel):
    ground: str | None = Field(None, description="UNRELIABLE_DATA, REQUIREMENTS_NOT_MET or NO_CONSENT")
    details_ru: str | None = Field(None, max_length=2000)
    details_kk: str | None = Field(None, max_length=2000)


class GroundOut(BaseModel):
    code: str
    ru: str
    kk: str
    details_ru: str
    details_kk: str


class ApplicationOut(BaseModel):
    registration_number: str
    application_id: str
    channel: str
    status: str
    recipient_iin: str
    recipient_name: str
    organisation: str
    diagnosis_code: str
    diagnosis_text: str
    examined_on: date
    consent: bool
    confirmation: str
    submitted_at: datetime
    registered_at: datetime
    registered_for: datetime = Field(description="the moment the one working day counts from (item 7)")
    due_at: datetime = Field(description="registered_for + 1 working day (item 3)")
    overdue: bool
    found_ground: GroundOut | None = Field(None, description="what step 6 / condition 3 found")
    can_issue_card: bool = False
    card_number: str | None = None
    ground: str | None = None
    card: str | None = Field(None, description="signed card 069/у XML (step 8)")
    refusal: str | None = Field(None, description="signed refusal XML (step 7)")
    document: dict[str, Any] | None = Field(None, description="the result's fields for a view")
    files: list[FileOut] = Field(default_factory=list)
    history: list[dict[str, Any]] = Field(default_factory=list)


def application_out(runtime: PhcRuntime, row: SanatoriumApplicationRow) -> ApplicationOut:
    xml: str | None = None
    document: dict[str, Any] | None = None
    if row.result_xml is not None:
        element = sanatorium.result_document(row)
        xml = h3.to_text(element)
        document = h3.card_fields(element) if row.result_kind == "card" else h3.refusal_fields(element)
    found = sanatorium.found_violation(row)
    found_out = None
    if found is not None:
        wording = h3_steps.ground(found.ground)
        found_out = GroundOut(
            code=found.ground,
            ru=wording.ru,
            kk=wording.kk,
            details_ru=found.details_ru,
            details_kk=found.details_kk,
        )
    return ApplicationOut(
        registration_number=row.registration_number,
        application_id=row.application_id,
        channel=row.channel,
        status=row.status,
        recipient_iin=row.recipient_iin,
        recipient_name=row.recipient_name,
        organisation=row.organisation,
        diagnosis_code=row.diagnosis_code,
        diagnosis_text=row.diagnosis_text,
        examined_on=row.examined_on,
        consent=row.consent,
        confirmation=row.confirmation,
        submitted_at=sanatorium.local(row.submitted_at),
        registered_at=sanatorium.local(row.registered_at),
        registered_for=sanatorium.local(row.registered_for),
        due_at=sanatorium.local(row.due_at),
        overdue=sanatorium.overdue(row),
        found_ground=found_out,
        can_issue_card=row.result_xml is None and row.checked and found is None and row.channel == "provider",
        card_number=row.result_number if row.result_kind == "card" else None,
        ground=row.ground,
        card=xml if row.result_kind == "card" else None,
        refusal=xml if row.result_kind == "refusal" else None,
        document=document,
        files=[
            FileOut(file_name=f.file_name, media_type=f.media_type, size=f.size, sha256=f.sha256)
            for f in sanatorium.files_of(runtime.uow_factory, row.application_id)
        ],
        history=row.history,
    )


def h3_api_router(runtime: PhcRuntime, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api/workstation/h3", tags=[TAG], responses=_ERRORS)

    sessions = Sessions(runtime)
    current_user, checked, acting = sessions.current, sessions.checked, sessions.acting

    add_login(
        router,
        runtime,
        settings,
        "Step 1 of H3: ИИН and password; the HttpOnly session cookie and the CSRF token.",
        service=h3_steps.REGULATION_ID,
    )

    @router.post("/service", response_model=ServiceOut)
    def choose_service(request: Request, x_csrf_token: Csrf = None) -> ServiceOut:
        """Step 2: the service H3, named as the regulation names it."""
        with acting(request, x_csrf_token) as user:
            choice = workstation.choose_service(runtime, user, h3_steps.REGULATION_ID)
        return ServiceOut(code=choice.code, name_ru=choice.name_ru, name_kk=choice.name_kk)

    @router.post("/lookup", response_model=LookupOut)
    async def lookup(request: Request, body: LookupIn, x_csrf_token: Csrf = None) -> LookupOut:
        """Step 3: the recipient in ГБД ФЛ through ШЭП; step 4 (a signed refusal) when absent."""
        with acting(request, x_csrf_token) as user:
            outcome = await sanatorium_workstation.lookup(runtime, user, body.iin)
        found = outcome.lookup
        out = LookupOut(iin=found.iin, status=found.status)
        if outcome.refusal is not None:
            out.refusal = refusal_out(outcome.refusal, h3.refusal_fields(outcome.refusal))
            return out
        person = found.person
        if person is not None:
            out.person = PersonOut(
                iin=person.iin,
                full_name=person.full_name,
                birth_date=person.birth_date,
                sex_ru=person.gender_ru,
                sex_kk=person.gender_kk,
                deceased=person.deceased,
                death_date=person.death_date,
                identity_document_valid=person.identity_document_valid,
                address_ru=person.address.full_ru if person.address else None,
                address_kk=person.address.full_kk if person.address else None,
            )
        out.attached_to = outcome.attached_to
        out.attached_here = outcome.attached_to == user.organisation.code
        return out

    @router.post("/files", response_model=list[FileOut])
    async def files(
        request: Request,
        files: Annotated[
            list[UploadFile], File(description="PDF, JPEG or PNG: 3 files, 1 MiB each, 2 MiB in all")
        ],
        x_csrf_token: Csrf = None,
    ) -> list[FileOut]:
        """Step 5: the scanned clinical results; every file is checked before any is stored."""
        user = checked(request, x_csrf_token)
        read = await read_uploads(files, h3.MAX_FILE_BYTES, unnamed="file")
        with in_session_trace(user):
            stored = sanatorium_workstation.upload_files(runtime, user, read)
        return [
            FileOut(file_name=f.file_name, media_type=f.media_type, size=f.size, sha256=f.sha256)
            for f in stored
        ]

    @router.post("/draft", response_model=XmlOut)
    def draft(request: Request, body: DraftIn, x_csrf_token: Csrf = None) -> XmlOut:
        """Step 5: the unsigned request (after the look-up), naming you as its signer."""
        with acting(request, x_csrf_token) as user:
            element = sanatorium_workstation.draft(
                runtime,
                user,
                iin=body.iin.strip(),
                diagnosis_code=body.diagnosis_code,
                diagnosis_text=body.diagnosis_text,
                examined_on=body.examined_on,
                consent=body.consent,
                files=body.files,
            )
        return XmlOut(xml=h3.to_text(element), application_id=h3.parse_application(element).application_id)

    @router.post("/register", response_model=ApplicationOut)
    async def register(request: Request, body: SignedIn, x_csrf_token: Csrf = None) -> ApplicationOut:
        """Steps 5–6: your signature checked, registered with a number and its term, the grounds checked."""
        with acting(request, x_csrf_token) as user:
            outcome = await sanatorium_workstation.register(runtime, user, body.signed_xml)
        return application_out(runtime, outcome.row)

    @router.get("/applications", response_model=list[ApplicationOut])
    def applications(request: Request) -> list[ApplicationOut]:
        """The register of H3 requests of your organisation (both channels), the latest first."""
        user = current_user(request)
        return [application_out(runtime, row) for row in sanatorium_workstation.applications(runtime, user)]

    @router.get("/applications/{number}", response_model=ApplicationOut)
    def application(request: Request, number: str) -> ApplicationOut:
        user = current_user(request)
        return application_out(runtime, sanatorium_workstation.application_of(runtime, user, number))

    @router.post("/applications/{number}/card", response_model=XmlOut)
    def card_form(request: Request, number: str, body: CardIn, x_csrf_token: Csrf = None) -> XmlOut:
        """Step 8's form: the unsigned card 069/у to sign with your ЭЦП."""
        with acting(request, x_csrf_token) as user:
            element = sanatorium_workstation.card_draft(
                runtime,
                user,
                number,
                profile=bilingual(body.profile_ru, body.profile_kk),
                climate_zone=bilingual(body.climate_zone_ru, body.climate_zone_kk),
                season=bilingual(body.season_ru, body.season_kk),
                doctor_iin=body.doctor_iin,
            )
        card = h3.parse_card(element)
        return XmlOut(
            xml=h3.to_text(element), application_id=card.application_id, card_number=card.card_number
        )

    @router.post("/applications/{number}/refusal", response_model=XmlOut)
    def refusal_form(request: Request, number: str, body: RefusalIn, x_csrf_token: Csrf = None) -> XmlOut:
        """Step 7's form: the unsigned motivated refusal with one of the three grounds of item 9."""
        with acting(request, x_csrf_token) as user:
            element = sanatorium_workstation.refusal_draft(
                runtime,
                user,
                number,
                ground=body.ground,
                details_ru=body.details_ru,
                details_kk=body.details_kk,
            )
        return XmlOut(xml=h3.to_text(element), application_id=h3.parse_refusal(element).application_id)

    @router.post("/applications/{number}/decision", response_model=ApplicationOut)
    async def decision(
        request: Request, number: str, body: SignedIn, x_csrf_token: Csrf = None
    ) -> ApplicationOut:
        """Step 7 or 8: the card or the refusal of the last form, signed with your ЭЦП."""
        with acting(request, x_csrf_token) as user:
            row = await sanatorium_workstation.decide(runtime, user, number, body.signed_xml)
        return application_out(runtime, row)

    @router.get("/cards/{number}")
    def card(request: Request, number: str) -> dict[str, Any]:
        """A card 069/у of your organisation (either channel) as the fields a view shows."""
        user = current_user(request)
        row = sanatorium_workstation.card_of(runtime, user, number)
        return h3.card_fields(sanatorium.parse_stored(row.signed_xml))

    return router
