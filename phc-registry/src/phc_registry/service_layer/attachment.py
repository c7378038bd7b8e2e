"""What both channels of H1 share: registering an application, refusing it, attaching the person.

* :func:`register` — process 6 / step 6: store the application with a number ``RPN-<year>-<6
  digits>``; idempotent by applicationId (a redelivered or resubmitted application keeps its number).
* :func:`refuse` — process 7 / step 7: the motivated refusal naming its ground, signed by the
  organisation's authorised person.
* :func:`attach` — process 8 / step 8: the new attachment closes the previous one (history kept),
  the talon is signed by the organisation's authorised person.

These are plain functions over a unit of work (the database is synchronous); the channels call them
in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from egov_kit.clock import now
from egov_kit.documents.h1 import (
    STATUSES,
    Application,
    ApplicationStatus,
    Bilingual,
    Doctor,
    Ground,
    Organisation,
    Refusal,
    Status,
    Talon,
    TalonRecipient,
    build_refusal,
    build_status,
    build_talon,
    sign_with,
    to_text,
)
from egov_kit.pki import KeyPair
from egov_kit.xml import parse_xml
from lxml import etree
from sqlalchemy.exc import IntegrityError

from phc_registry.adapters.orm import ApplicationRow
from phc_registry.domain import grounds as g
from phc_registry.domain import seed
from phc_registry.domain.errors import AlreadyAttached, ApplicationNotFound
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import Attachment, AttachmentHistory, MedicalOrganisation, Person
from phc_registry.domain.rules import Accepted
from phc_registry.service_layer import steps
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory

REGISTRY_CODE = "RPN"

STATUS_MESSAGES: dict[str, Bilingual] = {
    "REGISTERED": Bilingual(
        "Заявление зарегистрировано, присвоен номер {number}",
        "Өтініш тіркелді, {number} нөмірі берілді",
    ),
    "ATTACHED": Bilingual(
        "Прикрепление оформлено, талон {talon} выдан",
        "Бекіту ресімделді, {talon} талоны берілді",
    ),
    "REFUSED": Bilingual(
        "Мотивированный отказ: {ground}",
        "Дәлелді бас тарту: {ground}",
    ),
}


def utc(moment: datetime | None) -> datetime | None:
    """Stored moments are UTC; SQLite hands them back naive."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def registration_number(year: int, sequence: int) -> str:
    return f"RPN-{year}-{sequence:06d}"


def talon_number(year: int, sequence: int) -> str:
    return f"T-{year}-{sequence:06d}"


def document_organisation(organisation: MedicalOrganisation) -> Organisation:
    return Organisation(
        organisation.code,
        organisation.bin,
        organisation.name_ru,
        organisation.name_kk,
        organisation.address_ru,
        organisation.address_kk,
    )


def registry_organisation(system_bin: str) -> Organisation:
    """The register itself, in whose name it refuses what no organisation can answer."""
    return Organisation(
        REGISTRY_CODE,
        system_bin,
        "Регистр прикрепленного населения",
        "Бекітілген халық тіркелімі",
        "г. Астана",
        "Астана қ.",
    )


def history_entry(status: str, note: str | None = None) -> dict[str, Any]:
    """One entry of an application's history (H1, H2, H3): the status, when, and a note."""
    entry: dict[str, Any] = {"status": status, "at": now().isoformat(timespec="seconds")}
    if note:
        entry["note"] = note
    return entry


def refusing_organisation(runtime: PhcRuntime, organisation: MedicalOrganisation | None) -> Organisation:
    """Who a refusal is in the name of: the organisation, or the register for no organisation."""
    if organisation is not None:
        return document_organisation(organisation)
    return registry_organisation(runtime.system_bin)


def head_keypair(runtime: PhcRuntime, organisation: MedicalOrganisation | None) -> KeyPair:
    """The organisation's authorised person's key, or the register's own for no organisation."""
    if organisation is not None:
        return runtime.signers.for_organisation(organisation.code)
    if runtime.registry_keypair is None:
        raise RuntimeError("no key to sign in the register's own name")
    return runtime.registry_keypair


@dataclass(frozen=True)
class Refusals:
    """One service's motivated refusals (H1's shape): the regulation's wording of a ground and the
    builder of the service's namespace (``build_refusal`` of ``egov_kit.documents.h1``, ``h2``, ``h3``)."""

    ground: Callable[[str], Ground]
    build: Callable[[Refusal], etree._Element]

    def of(
        self,
        runtime: PhcRuntime,
        violation: Violation,
        *,
        recipient_iin: str | None,
        organisation: MedicalOrganisation | None,
        registration_number: str | None = None,
        application_id: str | None = None,
    ) -> Refusal:
        """The refusal of ``violation``, issued now (details cut to the schemas' 1–2000 characters)."""
        return Refusal(
            recipient_iin=recipient_iin,
            organisation=refusing_organisation(runtime, organisation),
            ground=self.ground(violation.ground),
            details=Bilingual(violation.details_ru[:2000] or "—", violation.details_kk[:2000] or "—"),
            issued_at=now(),
            registration_number=registration_number,
            application_id=application_id,
        )

    def signed(
        self,
        runtime: PhcRuntime,
        violation: Violation,
        *,
        recipient_iin: str | None,
        organisation: MedicalOrganisation | None,
        registration_number: str | None = None,
        application_id: str | None = None,
    ) -> etree._Element:
        """The refusal signed by the organisation's authorised person (the register's key for none)."""
        refusal = self.of(
            runtime,
            violation,
            recipient_iin=recipient_iin,
            organisation=organisation,
            registration_number=registration_number,
            application_id=application_id,
        )
        return sign_with(self.build(refusal), head_keypair(runtime, organisation))


class SignRefusal(Protocol):
    """A service's signed motivated refusal of a request (with no number yet, or none at all)."""

    def __call__(
        self,
        runtime: PhcRuntime,
        violation: Violation,
        *,
        recipient_iin: str | None,
        organisation: MedicalOrganisation | None,
        application_id: str | None = None,
    ) -> etree._Element: ...


class DecidedRow(Protocol):
    """A request of H1, H2 or H3 as kept, with its result."""

    registration_number: str
    status: str
    ground: str | None
    result_kind: str | None
    result_xml: str | None
    history: list[dict[str, Any]]


def record_refusal(row: DecidedRow, ground: str, signed_xml: str) -> None:
    """Process 7 / step 7 on the row: REFUSED with its ground and the signed refusal, in the history."""
    row.status = "REFUSED"
    row.ground = ground
    row.result_kind = "refusal"
    row.result_xml = signed_xml
    row.history = [*row.history, history_entry("REFUSED", ground)]


def stored_result(row: DecidedRow) -> etree._Element:
    """The signed result kept with a decided request (our own XML)."""
    if row.result_xml is None:
        raise ApplicationNotFound(f"{row.registration_number}: no result yet / әлі нәтиже жоқ")
    return parse_xml(row.result_xml.encode("utf-8"))


StatusT = TypeVar("StatusT", bound=str)


def status_of(value: str, known: Iterable[StatusT]) -> StatusT:
    """``value`` as one of a document's ``known`` statuses."""
    for status in known:
        if status == value:
            return status
    raise ValueError(f"unknown status {value!r}")


@dataclass(frozen=True)
class Registration:
    row: ApplicationRow
    created: bool


def register(
    uow_factory: UnitOfWorkFactory,
    application: Application,
    signed_xml: str,
    *,
    sender_id: str | None = None,
    message_id: str | None = None,
    registered_by: str | None = None,
    signer: str | None = None,
) -> Registration:
    """Process 6 / step 6: the application with its registration number, once per applicationId."""
    try:
        with uow_factory() as uow:
            existing = uow.applications.get(application.application_id)
            if existing is not None:
                return Registration(existing, False)
            moment = now()
            number = registration_number(moment.year, uow.counters.next(f"RPN-{moment.year}"))
            row = ApplicationRow(
                application_id=application.application_id,
                registration_number=number,
                channel=application.channel,
                recipient_iin=application.recipient.iin,
                recipient_name=application.recipient.full_name,
                organisation=application.organisation_code,
                section=application.section_number,
                reason=application.reason,
                status="REGISTERED",
                registered_at=moment.astimezone(UTC),
                history=[history_entry("REGISTERED", number)],
                sender_id=sender_id,
                message_id=message_id,
                registered_by=registered_by,
                signer=signer,
                signed_xml=signed_xml,
            )
            uow.applications.add(row)
            return Registration(row, True)
    except IntegrityError:
        # registered concurrently (a duplicate delivered at the same time): the first one wins
        with uow_factory() as uow:
            existing = uow.applications.get(application.application_id)
        if existing is None:
            raise
        return Registration(existing, False)


def history_of(uow_factory: UnitOfWorkFactory, iin: str) -> AttachmentHistory:
    """The person's attachments in the register (the active one and the closed ones)."""
    with uow_factory() as uow:
        return uow.attachments.history(iin)


def get(uow_factory: UnitOfWorkFactory, application_id: str) -> ApplicationRow:
    with uow_factory() as uow:
        row = uow.applications.get(application_id)
    if row is None:
        raise ApplicationNotFound(
            f"Заявление {application_id} не найдено / {application_id} өтініші табылмады", data=application_id
        )
    return row


def by_number(uow_factory: UnitOfWorkFactory, registration_number: str) -> ApplicationRow:
    with uow_factory() as uow:
        row = uow.applications.by_number(registration_number)
    if row is None:
        raise ApplicationNotFound(
            f"Заявление {registration_number} не найдено / {registration_number} өтініші табылмады",
            data=registration_number,
        )
    return row


def status_document(row: ApplicationRow, *, status: Status | None = None) -> etree._Element:
    """The ``status`` body of an UPDATE: the application's status, or ``status`` (REGISTERED)."""
    status = status or status_of(row.status, STATUSES)
    template = STATUS_MESSAGES[status]
    values = {"number": row.registration_number, "talon": row.result_number or "", "ground": row.ground or ""}
    if status == "REFUSED" and row.ground:
        wording = steps.ground(row.ground)
        message = Bilingual(
            template.ru.format(**{**values, "ground": wording.ru}),
            template.kk.format(**{**values, "ground": wording.kk}),
        )
    else:
        message = Bilingual(template.ru.format(**values), template.kk.format(**values))
    return build_status(
        ApplicationStatus(
            application_id=row.application_id,
            registration_number=row.registration_number,
            status=status,
            status_at=_status_at(row, status),
            message=message,
        )
    )


def _status_at(row: ApplicationRow, status: Status) -> datetime:
    """When the application got ``status`` (its history), the registration moment for REGISTERED."""
    if status != "REGISTERED":
        for entry in reversed(row.history):
            if entry.get("status") == status and entry.get("at"):
                return datetime.fromisoformat(str(entry["at"]))
    return utc(row.registered_at) or now()


result_document = stored_result


REFUSALS = Refusals(steps.ground, build_refusal)
refusal_document = REFUSALS.signed  # H1's signed motivated refusal


def refuse(runtime: PhcRuntime, application_id: str, violation: Violation) -> ApplicationRow:
    """Process 7 / step 7: store the signed refusal; the application becomes REFUSED."""
    with runtime.uow_factory() as uow:
        row = uow.applications.get(application_id)
        if row is None:
            raise ApplicationNotFound(f"{application_id}: not registered")
        if row.result_xml is not None:
            return row
        organisation = seed.organisation(row.organisation)
        element = refusal_document(
            runtime,
            violation,
            recipient_iin=row.recipient_iin,
            organisation=organisation,
            registration_number=row.registration_number,
            application_id=row.application_id,
        )
        record_refusal(row, violation.ground, to_text(element))
        uow.applications.add(row)
        return row


def attach(runtime: PhcRuntime, application_id: str, accepted: Accepted, person: Person) -> ApplicationRow:
    """Process 8 / step 8: close the previous attachment, attach, sign the talon; ATTACHED.

    When the person got attached to the same organisation in the meantime, the application is
    refused with ``ALREADY_ATTACHED`` instead.
    """
    organisation = accepted.organisation
    try:
        with runtime.uow_factory() as uow:
            row = uow.applications.get(application_id)
            if row is None:
                raise ApplicationNotFound(f"{application_id}: not registered")
            if row.result_xml is not None:
                return row
            history = uow.attachments.history(person.iin)
            moment = now()
            number = talon_number(moment.year, uow.counters.next(f"T-{moment.year}"))
            doctor = accepted.doctor
            attachment = Attachment(
                iin=person.iin,
                organisation=organisation.code,
                section=accepted.section.number,
                doctor=doctor.full_name if doctor else "—",
                attached_from=moment.date(),
                registration_number=row.registration_number,
                talon_number=number,
                application_id=row.application_id,
            )
            history.attach(attachment)
            uow.attachments.save(history)
            talon = build_talon(
                Talon(
                    talon_number=number,
                    registration_number=row.registration_number,
                    application_id=row.application_id,
                    recipient=TalonRecipient(person.iin, person.full_name, person.birth_date),
                    organisation=document_organisation(organisation),
                    section=accepted.section.number,
                    doctor=Doctor(
                        doctor.full_name if doctor else "—",
                        doctor.position_ru if doctor else "Врач участка",
                        doctor.position_kk if doctor else "Учаске дәрігері",
                    ),
                    attached_from=moment.date(),
                    issued_at=moment,
                )
            )
            sign_with(talon, runtime.signers.for_organisation(organisation.code))
            row.status = "ATTACHED"
            row.section = accepted.section.number
            row.result_kind = "talon"
            row.result_number = number
            row.result_xml = to_text(talon)
            row.history = [*row.history, history_entry("ATTACHED", number)]
            uow.applications.add(row)
            return row
    except AlreadyAttached as exc:
        ru, _, kk = exc.message.partition(" / ")
        return refuse(runtime, application_id, Violation(g.ALREADY_ATTACHED, ru, kk or ru))
