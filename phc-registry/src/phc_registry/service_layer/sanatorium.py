"""What both channels of H3 share: registering a request, its term, refusing it, issuing the card.

* :func:`register` — process 6 / step 6: the request with a number ``RPN-<year>-<6 digits>``, its
  term (``registered_for``, ``due_at``: seed 004 items 3 and 7) and its files (content in the scan
  store by SHA-256, names in ``phc_sanatorium_file``); idempotent by applicationId.
* :func:`record_check` — the ground condition 3 / step 6 found (or none).
* :func:`refuse` — process 7 / step 7: the motivated refusal naming its ground of item 9, signed by
  the organisation's authorised person (portal) or by the employee at the workstation.
* :func:`issue` — process 8 / step 8: the card 069/у, signed the same way, kept by its number.

Plain functions over a unit of work (the database is synchronous); the channels call them in a
worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from egov_kit.attachments import CheckedFile
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.documents.h1 import Bilingual
from egov_kit.xml import parse_xml
from lxml import etree
from sqlalchemy.exc import IntegrityError

from phc_registry.adapters.orm_sanatorium import (
    SanatoriumApplicationRow,
    SanatoriumCardRow,
    SanatoriumFileRow,
)
from phc_registry.domain import sanatorium as rules
from phc_registry.domain import seed
from phc_registry.domain.errors import ApplicationNotFound
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import MedicalOrganisation, Person, StaffMember, person_json
from phc_registry.service_layer import h3_steps
from phc_registry.service_layer.attachment import (
    Refusals,
    document_organisation,
    head_keypair,
    history_entry,
    record_refusal,
    registration_number,
    status_of,
    stored_result,
    utc,
)
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory

STATUS_MESSAGES: dict[str, Bilingual] = {
    "REGISTERED": Bilingual(
        "Запрос зарегистрирован, присвоен номер {number}. Срок рассмотрения — 1 рабочий день: "
        "отсчёт с {registered_for}, результат не позднее {due_at}",
        "Сұрау тіркелді, {number} нөмірі берілді. Қарау мерзімі — 1 жұмыс күні: {registered_for} "
        "бастап есептеледі, нәтиже {due_at} кешіктірілмей беріледі",
    ),
    "ISSUED": Bilingual(
        "Выдана санаторно-курортная карта (форма 069/у) № {card}",
        "№ {card} санаторийлік-курорттық карта (069/е нысаны) берілді",
    ),
    "REFUSED": Bilingual("Мотивированный отказ: {ground}", "Дәлелді бас тарту: {ground}"),
}


def card_number(year: int, sequence: int) -> str:
    return f"SK-{year}-{sequence:06d}"


def local(moment: datetime) -> datetime:
    """A stored (UTC, maybe naive) moment in the calendar's time zone."""
    aware = utc(moment)
    assert aware is not None
    return aware.astimezone(KZ_TZ)


def overdue(row: SanatoriumApplicationRow, at: datetime | None = None) -> bool:
    """Decided after ``due_at``, or still undecided after it."""
    moment = local(row.decided_at) if row.decided_at is not None else (at or now())
    return moment > local(row.due_at)


# --- process 6 / step 6 --------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    row: SanatoriumApplicationRow
    created: bool


def register(
    runtime: PhcRuntime,
    application: h3.SanatoriumApplication,
    signed_xml: str,
    *,
    sender_id: str | None = None,
    message_id: str | None = None,
    registered_by: str | None = None,
    signer: str | None = None,
) -> Registration:
    """Process 6 / step 6: the request with its number and term, once per applicationId."""
    for item in application.files:  # content-addressed: writing twice keeps one file
        runtime.scans.write(CheckedFile(item.file_name, item.media_type, item.sha256, item.content))
    uow_factory = runtime.uow_factory
    try:
        with uow_factory() as uow:
            existing = uow.sanatorium.get(application.application_id)
            if existing is not None:
                return Registration(existing, False)
            moment = now()
            number = registration_number(moment.year, uow.counters.next(f"RPN-{moment.year}"))
            term = rules.term(application.submitted_at)
            row = SanatoriumApplicationRow(
                application_id=application.application_id,
                registration_number=number,
                channel=application.channel,
                recipient_iin=application.recipient.iin,
                recipient_name=application.recipient.full_name,
                organisation=application.organisation_code,
                diagnosis_code=application.diagnosis_code,
                diagnosis_text=application.diagnosis_text,
                examined_on=application.examined_on,
                consent=application.consent,
                confirmation=application.confirmation,
                submitted_at=application.submitted_at.astimezone(UTC),
                registered_at=moment.astimezone(UTC),
                registered_for=term.registered_for.astimezone(UTC),
                due_at=term.due_at.astimezone(UTC),
                status="REGISTERED",
                history=[history_entry("REGISTERED", number)],
                sender_id=sender_id,
                message_id=message_id,
                registered_by=registered_by,
                signer=signer,
                signed_xml=signed_xml,
            )
            uow.sanatorium.add(row)
            for position, item in enumerate(application.files):
                uow.sanatorium.add_file(
                    SanatoriumFileRow(
                        application_id=application.application_id,
                        position=position,
                        sha256=item.sha256,
                        file_name=item.file_name,
                        media_type=item.media_type,
                        size=item.size,
                    )
                )
            return Registration(row, True)
    except IntegrityError:
        # registered concurrently (a duplicate delivered at the same time): the first one wins
        with uow_factory() as uow:
            again = uow.sanatorium.get(application.application_id)
        if again is None:
            raise
        return Registration(again, False)


def record_check(
    uow_factory: UnitOfWorkFactory,
    application_id: str,
    violation: Violation | None,
    person: Person | None = None,
) -> None:
    """What condition 3 / step 6 found: the ground and its details, or none; the person looked up."""
    with uow_factory() as uow:
        row = uow.sanatorium.get(application_id)
        if row is None or row.result_xml is not None:
            return
        row.checked = True
        row.person = person_json(person) if person is not None else {}
        row.found_ground = violation.ground if violation else None
        row.found_details = (
            {"ru": violation.details_ru, "kk": violation.details_kk} if violation is not None else {}
        )
        uow.sanatorium.add(row)


def found_violation(row: SanatoriumApplicationRow) -> Violation | None:
    if not row.found_ground:
        return None
    details = row.found_details or {}
    return Violation(row.found_ground, str(details.get("ru", "")), str(details.get("kk", "")))


# --- lookups -------------------------------------------------------------------------------------


class _Kept(Protocol):
    organisation: str


KeptT = TypeVar("KeptT", bound=_Kept)


def _found(row: KeptT | None, organisation: str | None, missing: str, key: str) -> KeptT:
    """``row`` when there is one (of ``organisation`` when named), else ApplicationNotFound."""
    if row is None or (organisation is not None and row.organisation != organisation):
        raise ApplicationNotFound(missing, data=key)
    return row


def get(uow_factory: UnitOfWorkFactory, application_id: str) -> SanatoriumApplicationRow:
    with uow_factory() as uow:
        row = uow.sanatorium.get(application_id)
    missing = f"Запрос {application_id} не найден / {application_id} сұрауы табылмады"
    return _found(row, None, missing, application_id)


def by_number(
    uow_factory: UnitOfWorkFactory, number: str, organisation: str | None = None
) -> SanatoriumApplicationRow:
    with uow_factory() as uow:
        row = uow.sanatorium.by_number(number)
    return _found(row, organisation, f"Запрос {number} не найден / {number} сұрауы табылмады", number)


def card_of(
    uow_factory: UnitOfWorkFactory, number: str, organisation: str | None = None
) -> SanatoriumCardRow:
    with uow_factory() as uow:
        row = uow.sanatorium.card(number)
    missing = (
        f"Санаторно-курортная карта {number} не найдена / {number} санаторийлік-курорттық картасы табылмады"
    )
    return _found(row, organisation, missing, number)


def files_of(uow_factory: UnitOfWorkFactory, application_id: str) -> list[SanatoriumFileRow]:
    with uow_factory() as uow:
        return uow.sanatorium.files(application_id)


def of_organisation(
    uow_factory: UnitOfWorkFactory, organisation: str, limit: int = 100
) -> list[SanatoriumApplicationRow]:
    with uow_factory() as uow:
        return uow.sanatorium.of_organisation(organisation, limit)


# --- documents -----------------------------------------------------------------------------------


def status_document(row: SanatoriumApplicationRow, *, status: h3.Status | None = None) -> etree._Element:
    """The ``status`` body of an UPDATE (REGISTERED with the term, or the application's status)."""
    chosen: h3.Status = status or status_of(row.status, h3.STATUSES)
    template = STATUS_MESSAGES[chosen]
    values = {
        "number": row.registration_number,
        "registered_for": f"{local(row.registered_for):%d.%m.%Y %H:%M}",
        "due_at": f"{local(row.due_at):%d.%m.%Y %H:%M}",
        "card": row.result_number or "",
    }
    ground_ru = ground_kk = row.ground or ""
    if chosen == "REFUSED" and row.ground:
        wording = h3_steps.ground(row.ground)
        ground_ru, ground_kk = wording.ru, wording.kk
    message = Bilingual(
        template.ru.format(**values, ground=ground_ru)[:2000],
        template.kk.format(**values, ground=ground_kk)[:2000],
    )
    at = local(row.registered_at) if chosen == "REGISTERED" else local(row.decided_at or row.registered_at)
    return h3.build_status(
        h3.SanatoriumStatus(
            application_id=row.application_id,
            registration_number=row.registration_number,
            status=chosen,
            status_at=at,
            registered_for=local(row.registered_for),
            due_at=local(row.due_at),
            message=message,
        )
    )


result_document = stored_result


REFUSALS = Refusals(h3_steps.ground, h3.build_refusal)
signed_refusal = REFUSALS.signed  # by the organisation's authorised person (the register's key for none)


def refusal_element(
    runtime: PhcRuntime,
    violation: Violation,
    *,
    recipient_iin: str | None,
    organisation: MedicalOrganisation | None,
    registration_number: str | None = None,
    application_id: str | None = None,
    signer_iin: str | None = None,
) -> etree._Element:
    """The unsigned motivated refusal naming the employee who signs it (step 7 at the workstation)."""
    refusal = REFUSALS.of(
        runtime,
        violation,
        recipient_iin=recipient_iin,
        organisation=organisation,
        registration_number=registration_number,
        application_id=application_id,
    )
    return h3.build_refusal(refusal, signer_iin=signer_iin)


def card_recipient(person: Person) -> h3.CardRecipient:
    address = person.address
    return h3.CardRecipient(
        iin=person.iin,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=Bilingual(person.gender_ru or "—", person.gender_kk or "—"),
        address=Bilingual(
            (address.full_ru if address else "") or "—", (address.full_kk if address else "") or "—"
        ),
    )


def signatory(member: StaffMember) -> h3.Signatory:
    return h3.Signatory(member.full_name, member.position_ru, member.position_kk)


def card_doctor(
    organisation: MedicalOrganisation, section: str | None, preferred: str | None = None
) -> StaffMember:
    """Who issues the card: ``preferred`` when a doctor of the organisation, else the doctor of the
    recipient's section, else the organisation's first doctor, else its head."""
    if preferred is not None:
        member = organisation.member(preferred)
        if member is not None and member.is_doctor:
            return member
    if section is not None:
        doctor = organisation.doctor_of(section)
        if doctor is not None:
            return doctor
    return next((m for m in organisation.staff if m.is_doctor), organisation.authorised_person)


def treatment(
    diagnosis_code: str,
    *,
    profile: Bilingual | None = None,
    climate_zone: Bilingual | None = None,
    season: Bilingual | None = None,
) -> h3.Treatment:
    """The card's recommendations: the doctor's, else the table of :func:`rules.recommend`."""
    suggested = rules.recommend(diagnosis_code)
    return h3.Treatment(
        profile or Bilingual(suggested.profile_ru, suggested.profile_kk),
        climate_zone or Bilingual(suggested.climate_ru, suggested.climate_kk),
        season or Bilingual(suggested.season_ru, suggested.season_kk),
    )


def card_element(
    row: SanatoriumApplicationRow,
    number: str,
    person: Person,
    organisation: MedicalOrganisation,
    doctor: StaffMember,
    recommended: h3.Treatment,
    issued_at: datetime | None = None,
    signer_iin: str | None = None,
) -> etree._Element:
    """The unsigned card 069/у of a registered request."""
    moment = issued_at or now()
    return h3.build_card(
        h3.SanatoriumCard(
            card_number=number,
            registration_number=row.registration_number,
            application_id=row.application_id,
            channel="provider" if row.channel == "provider" else "portal",
            issued_at=moment,
            valid_until=h3.card_valid_until(moment),
            organisation=document_organisation(organisation),
            recipient=card_recipient(person),
            diagnosis_code=row.diagnosis_code,
            diagnosis_text=row.diagnosis_text,
            examined_on=row.examined_on,
            treatment=recommended,
            doctor=signatory(doctor),
            head=signatory(organisation.authorised_person),
            signer_iin=signer_iin,
        )
    )


def next_card_number(uow_factory: UnitOfWorkFactory) -> str:
    with uow_factory() as uow:
        moment = now()
        return card_number(moment.year, uow.counters.next(f"SK-{moment.year}"))


# --- process 7 / step 7, process 8 / step 8 ------------------------------------------------------


def store_refusal(
    runtime: PhcRuntime,
    application_id: str,
    ground: str,
    element: etree._Element,
    *,
    decided_by: str | None = None,
) -> SanatoriumApplicationRow:
    """Keep a signed refusal: the request becomes REFUSED (once; a decided request stays as it is)."""
    with runtime.uow_factory() as uow:
        row = uow.sanatorium.get(application_id)
        if row is None:
            raise ApplicationNotFound(f"{application_id}: not registered")
        if row.result_xml is not None:
            return row
        record_refusal(row, ground, h3.to_text(element))
        row.pending_xml = None
        row.decided_at = now().astimezone(UTC)
        row.decided_by = decided_by
        uow.sanatorium.add(row)
        return row


def store_card(
    runtime: PhcRuntime, application_id: str, element: etree._Element, *, decided_by: str | None = None
) -> SanatoriumApplicationRow:
    """Keep a signed card: the card by its number, the request ISSUED (once)."""
    card = h3.parse_card(element)
    with runtime.uow_factory() as uow:
        row = uow.sanatorium.get(application_id)
        if row is None:
            raise ApplicationNotFound(f"{application_id}: not registered")
        if row.result_xml is not None:
            return row
        text = h3.to_text(element)
        uow.sanatorium.add_card(
            SanatoriumCardRow(
                card_number=card.card_number,
                application_id=row.application_id,
                registration_number=row.registration_number,
                organisation=row.organisation,
                recipient_iin=row.recipient_iin,
                channel=row.channel,
                issued_at=card.issued_at.astimezone(UTC),
                valid_until=card.valid_until,
                signed_xml=text,
            )
        )
        row.status = "ISSUED"
        row.result_kind = "card"
        row.result_number = card.card_number
        row.result_xml = text
        row.pending_xml = None
        row.decided_at = now().astimezone(UTC)
        row.decided_by = decided_by
        row.history = [*row.history, history_entry("ISSUED", card.card_number)]
        uow.sanatorium.add(row)
        return row


def refuse(runtime: PhcRuntime, application_id: str, violation: Violation) -> SanatoriumApplicationRow:
    """Process 7 (portal): the refusal signed by the organisation's authorised person."""
    row = get(runtime.uow_factory, application_id)
    if row.result_xml is not None:
        return row
    element = signed_refusal(
        runtime,
        violation,
        recipient_iin=row.recipient_iin,
        organisation=seed.organisation(row.organisation),
        registration_number=row.registration_number,
        application_id=row.application_id,
    )
    return store_refusal(runtime, application_id, violation.ground, element)


def issue(
    runtime: PhcRuntime, application_id: str, person: Person, section: str | None
) -> SanatoriumApplicationRow:
    """Process 8 (portal): the card 069/у signed by the organisation's authorised person."""
    row = get(runtime.uow_factory, application_id)
    if row.result_xml is not None:
        return row
    organisation = seed.organisation(row.organisation)
    assert organisation is not None  # condition 3 checked the attachment to it
    number = next_card_number(runtime.uow_factory)
    element = card_element(
        row,
        number,
        person,
        organisation,
        card_doctor(organisation, section),
        treatment(row.diagnosis_code),
    )
    h3.sign_with(element, head_keypair(runtime, organisation))
    return store_card(runtime, application_id, element)


def parse_stored(xml: str) -> etree._Element:
    """A document kept in the database (our own, signed XML)."""
    return parse_xml(xml.encode("utf-8"))
