"""H3 at the medical organisation (seed 004, steps 1–8 of ``services/h3_sanatorium_card.yaml``).

The workstation's use cases of «Выдача заключения о нуждаемости в санаторно-курортном лечении»:

* **step 1** — log in (:func:`phc_registry.service_layer.workstation.login` with ``service="H3"``);
* **step 2** — choose the service (:func:`phc_registry.service_layer.workstation.choose_service`);
* **step 3** :func:`lookup` — ГБД ФЛ through ШЭП, kept in the session for the form;
* **step 4** — ГБД ФЛ has no data: a signed motivated refusal ``UNRELIABLE_DATA`` (no number);
* **step 5** :func:`upload_files`, :func:`draft`, then :func:`register` — the form (the main diagnosis,
  the date of the clinical results, the scanned results — at most 3 files of 1 MiB, 2 MiB together,
  PDF/JPEG/PNG — and the recipient's consent), signed with the employee's ЭЦП (the draft names the
  logged-in employee in ``signerIin``);
* **step 6** — registered with a number and its term (``registered_for``, ``due_at``); the grounds of
  item 9 are checked (:func:`phc_registry.domain.sanatorium.check_request`) and shown to the employee;
* **step 7** :func:`refusal_draft` → signed by the employee → :func:`decide`: the motivated refusal
  with one of the three grounds;
* **step 8** :func:`card_draft` → signed by the employee → :func:`decide`: the card 069/у (only when
  step 6 found no ground).

The employee's signature on the request and on the decision is checked as for H1
(:func:`phc_registry.service_layer.workstation.check_employee_signature`): an employee certificate of
this organisation, the employee it names.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date

from egov_kit.attachments import AttachmentError, CheckedFile, check_files
from egov_kit.documents import h3
from egov_kit.documents.h1 import Bilingual, Recipient
from egov_kit.dsig import SignatureMissing
from egov_kit.xml import parse_xml
from lxml import etree

from phc_registry.adapters.orm_sanatorium import SanatoriumApplicationRow, SanatoriumCardRow
from phc_registry.domain.errors import ApplicationMismatch, LookupRequired, ScanUnknown
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import PersonLookup, person_of
from phc_registry.domain.sanatorium import (
    AlreadyDecided,
    CardNotAllowed,
    DraftRequired,
    FileRefused,
    UnknownGround,
    check_request,
)
from phc_registry.service_layer import h3_steps, sanatorium, workstation
from phc_registry.service_layer.attachment import history_of
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.workstation import WorkstationUser

CACHE_PREFIX = "H3:"  # the session's look-ups of H3 (with sex and identity document) beside H1's


# --- step 3 (and 4) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupOutcome:
    lookup: PersonLookup
    refusal: etree._Element | None = None  # step 4
    attached_to: str | None = None  # the organisation of the person's active attachment


def cached_lookup(user: WorkstationUser, iin: str) -> PersonLookup:
    return workstation.cached_lookup(user, iin, prefix=CACHE_PREFIX)


def _attached_to(runtime: PhcRuntime, iin: str) -> str | None:
    active = history_of(runtime.uow_factory, iin).active
    return active.organisation if active is not None else None


async def lookup(runtime: PhcRuntime, user: WorkstationUser, iin: str) -> LookupOutcome:
    """Step 3: ask ГБД ФЛ through ШЭП; step 4 when it has no data (a signed motivated refusal)."""
    iin = iin.strip()
    if user.service != h3_steps.REGULATION_ID:
        await asyncio.to_thread(workstation.choose_service, runtime, user, h3_steps.REGULATION_ID)
    found, refusal = await workstation.look_up(
        runtime,
        user,
        iin,
        h3_steps.REGULATION_ID,
        h3.UNRELIABLE_DATA,
        sanatorium.signed_refusal,
        cache_prefix=CACHE_PREFIX,
    )
    if refusal is not None:
        return LookupOutcome(found, refusal=refusal)
    return LookupOutcome(found, attached_to=await asyncio.to_thread(_attached_to, runtime, iin))


# --- step 5 --------------------------------------------------------------------------------------


def upload_files(
    runtime: PhcRuntime, user: WorkstationUser, files: list[tuple[str, str | None, bytes]]
) -> list[CheckedFile]:
    """The scanned clinical results: H3's limits (3 files, 1 MiB each, 2 MiB together, PDF/JPEG/PNG)
    checked for all of them before any is stored (``ATTACHMENT_*`` codes)."""
    with h3_steps.part(h3_steps.STEP_5, "workstation: H3 clinical results", employee=user.iin):
        try:
            checked = check_files(
                files,
                max_bytes=h3.MAX_FILE_BYTES,
                max_files=h3.MAX_FILES,
                max_total_bytes=h3.MAX_TOTAL_BYTES,
                allowed=h3.FILE_MEDIA_TYPES,
            )
        except AttachmentError as exc:  # the kit's code, the message in both languages
            raise FileRefused(f"{exc.message_ru} / {exc.message_kk}", code=exc.code, data=exc.data) from exc
        workstation.store_uploads(runtime, user, checked)
        return checked


def _uploaded(runtime: PhcRuntime, user: WorkstationUser, digests: list[str]) -> list[CheckedFile]:
    """Files this employee uploaded, by SHA-256 (the latest name), with their content."""
    found: list[CheckedFile] = []
    with runtime.uow_factory() as uow:
        for raw in digests:
            digest = raw.strip().lower()
            row = uow.scans.find(digest, user.iin)
            if row is None or not runtime.scans.exists(row.sha256):
                raise ScanUnknown(
                    f"Файл {digest} не загружен в этом АРМ / {digest} файлы осы АЖО-ға жүктелмеген",
                    data=digest,
                )
            found.append(
                CheckedFile(row.file_name, row.media_type, row.sha256, runtime.scans.read(row.sha256))
            )
    return found


def draft(
    runtime: PhcRuntime,
    user: WorkstationUser,
    *,
    iin: str,
    diagnosis_code: str,
    diagnosis_text: str,
    examined_on: date,
    consent: bool,
    files: list[str],
) -> etree._Element:
    """Step 5: the unsigned request the employee signs (after the look-up of step 3)."""
    found = cached_lookup(user, iin)
    if found.person is None:
        raise LookupRequired(
            f"ИИН {iin} отсутствует в ГБД ФЛ: запрос не оформляется / ЖСН {iin} ЖТ ММБ-да жоқ: "
            "сұрау ресімделмейді",
            data=iin,
        )
    person = found.person
    with h3_steps.part(h3_steps.STEP_5, "workstation: H3 request form", employee=user.iin):
        return h3.build_application(
            recipient=Recipient(person.iin, person.surname, person.name, person.patronymic),
            organisation_code=user.organisation.code,
            diagnosis_code=diagnosis_code.strip().upper(),
            diagnosis_text=" ".join(diagnosis_text.split()),
            examined_on=examined_on,
            files=_uploaded(runtime, user, files),
            consent=consent,
            channel="provider",
            signer_iin=user.iin,
        )


# --- steps 5 (signature) and 6 -------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    row: SanatoriumApplicationRow
    created: bool


async def register(runtime: PhcRuntime, user: WorkstationUser, signed_xml: str | bytes) -> Registered:
    """Steps 5–6: the employee's signature checked; registered with a number and a term; the grounds
    of item 9 checked (the result waits for the employee: step 7 or step 8)."""
    raw = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else signed_xml
    with h3_steps.step(h3_steps.PROVIDER, h3_steps.STEP_5, employee=user.iin) as current:
        element = parse_xml(raw.strip())
        application = h3.parse_application(element)
        current.set_attribute("egov.application", application.application_id)
        if not application.signed:
            raise SignatureMissing(
                "Запрос не подписан ЭЦП работника / Сұрауға қызметкердің ЭЦҚ-сы қойылмаған"
            )
        if application.channel != "provider" or application.organisation_code != user.organisation.code:
            raise ApplicationMismatch(
                f"Запрос оформлен не в АРМ {user.organisation.name_ru} (организация "
                f"{application.organisation_code}, канал {application.channel}) / Сұрау "
                f"{user.organisation.name_kk} АЖО-да ресімделмеген",
                data=application.application_id,
            )
        found = cached_lookup(user, application.recipient.iin)
        signer = await workstation.check_employee_signature(runtime, user, element, application.signer_iin)
    application_id = application.application_id
    with h3_steps.step(
        h3_steps.PROVIDER, h3_steps.STEP_6, application=application_id, employee=user.iin
    ) as current:
        registration = await asyncio.to_thread(
            sanatorium.register,
            runtime,
            application,
            h3.to_text(element),
            registered_by=user.iin,
            signer=signer,
        )
        row = registration.row
        current.set_attribute("egov.registration_number", row.registration_number)
        current.set_attribute("egov.due_at", sanatorium.local(row.due_at).isoformat())
        if not row.checked:
            attached_to = await asyncio.to_thread(_attached_to, runtime, application.recipient.iin)
            violation = check_request(application, found, user.organisation, attached_to)
            await asyncio.to_thread(
                sanatorium.record_check, runtime.uow_factory, application_id, violation, found.person
            )
            row = await asyncio.to_thread(sanatorium.get, runtime.uow_factory, application_id)
        current.set_attribute("egov.decision", row.found_ground or "accepted")
    return Registered(row, registration.created)


# --- the register of H3 requests -----------------------------------------------------------------


def applications(
    runtime: PhcRuntime, user: WorkstationUser, limit: int = 100
) -> list[SanatoriumApplicationRow]:
    return sanatorium.of_organisation(runtime.uow_factory, user.organisation.code, limit)


def application_of(runtime: PhcRuntime, user: WorkstationUser, number: str) -> SanatoriumApplicationRow:
    return sanatorium.by_number(runtime.uow_factory, number, user.organisation.code)


def card_of(runtime: PhcRuntime, user: WorkstationUser, number: str) -> SanatoriumCardRow:
    return sanatorium.card_of(runtime.uow_factory, number, user.organisation.code)


# --- steps 7 and 8: the decision, signed by the employee -----------------------------------------


def _undecided(runtime: PhcRuntime, user: WorkstationUser, number: str) -> SanatoriumApplicationRow:
    row = application_of(runtime, user, number)
    if row.result_xml is not None:
        raise AlreadyDecided(
            f"По запросу {number} решение уже принято ({row.status}) / {number} сұрауы бойынша шешім "
            f"қабылданған ({row.status})",
            data=number,
        )
    if row.channel != "provider":
        raise ApplicationMismatch(
            f"Запрос {number} поступил через портал: ответ формируется автоматически / {number} сұрауы "
            "портал арқылы түсті: жауап автоматты түрде қалыптасады",
            data=number,
        )
    return row


def _keep_draft(
    runtime: PhcRuntime, application_id: str, element: etree._Element, card_number: str | None
) -> None:
    with runtime.uow_factory() as uow:
        row = uow.sanatorium.get(application_id)
        assert row is not None
        row.pending_xml = h3.to_text(element)
        if card_number is not None:
            row.result_number = card_number
        uow.sanatorium.add(row)


def card_draft(
    runtime: PhcRuntime,
    user: WorkstationUser,
    number: str,
    *,
    profile: Bilingual | None = None,
    climate_zone: Bilingual | None = None,
    season: Bilingual | None = None,
    doctor_iin: str | None = None,
) -> etree._Element:
    """Step 8's form: the unsigned card 069/у (its number kept for the request); ``CARD_NOT_ALLOWED``
    when step 6 found a ground."""
    row = _undecided(runtime, user, number)
    found = sanatorium.found_violation(row)
    if found is not None:
        raise CardNotAllowed(
            f"Карта не выдаётся: найдено основание для отказа {found.ground} ({found.details_ru}) / "
            f"Карта берілмейді: бас тарту негізі табылды {found.ground} ({found.details_kk})",
            data=found.ground,
        )
    person = person_of(row.person)
    if person is None:
        raise LookupRequired(
            f"Нет сведений ГБД ФЛ об услугополучателе запроса {number} / {number} сұрауының алушысы туралы "
            "ЖТ ММБ мәліметтері жоқ",
            data=row.recipient_iin,
        )
    with h3_steps.part(
        h3_steps.STEP_8,
        "workstation: H3 card form",
        employee=user.iin,
        registration_number=number,
    ):
        card_number = row.result_number or sanatorium.next_card_number(runtime.uow_factory)
        active = history_of(runtime.uow_factory, row.recipient_iin).active
        section = (
            active.section if active is not None and active.organisation == user.organisation.code else None
        )
        element = sanatorium.card_element(
            row,
            card_number,
            person,
            user.organisation,
            sanatorium.card_doctor(user.organisation, section, doctor_iin or user.iin),
            sanatorium.treatment(
                row.diagnosis_code, profile=profile, climate_zone=climate_zone, season=season
            ),
            signer_iin=user.iin,
        )
        _keep_draft(runtime, row.application_id, element, card_number)
        return element


def refusal_draft(
    runtime: PhcRuntime,
    user: WorkstationUser,
    number: str,
    *,
    ground: str | None = None,
    details_ru: str | None = None,
    details_kk: str | None = None,
) -> etree._Element:
    """Step 7's form: the unsigned motivated refusal naming one of the three grounds (the one step 6
    found by default, with its details)."""
    row = _undecided(runtime, user, number)
    found = sanatorium.found_violation(row)
    code = (ground or (found.ground if found else "")).strip()
    if code not in h3.GROUNDS:
        raise UnknownGround(
            f"Основание {code or '—'} не из пункта 9 стандарта (допустимы: {', '.join(h3.GROUNDS)}) / "
            f"{code or '—'} негізі стандарттың 9-тармағында жоқ (рұқсат етілгені: {', '.join(h3.GROUNDS)})",
            data=code,
        )
    same = found is not None and found.ground == code
    ru = (details_ru or "").strip() or (found.details_ru if same and found else "")
    kk = (details_kk or "").strip() or (found.details_kk if same and found else "") or ru
    if not ru:
        ru = kk or "Решение работника услугодателя"
        kk = kk or "Көрсетілетін қызметті беруші қызметкерінің шешімі"
    with h3_steps.part(
        h3_steps.STEP_7,
        "workstation: H3 refusal form",
        employee=user.iin,
        registration_number=number,
    ):
        element = sanatorium.refusal_element(
            runtime,
            Violation(code, ru, kk),
            recipient_iin=row.recipient_iin,
            organisation=user.organisation,
            registration_number=row.registration_number,
            application_id=row.application_id,
            signer_iin=user.iin,
        )
        _keep_draft(runtime, row.application_id, element, None)
        return element


def _same_document(kind: str, signed: etree._Element, pending: etree._Element) -> bool:
    if kind == "card":
        return replace(h3.parse_card(signed), signed=False) == h3.parse_card(pending)
    return replace(h3.parse_refusal(signed), signed=False) == h3.parse_refusal(pending)


async def decide(
    runtime: PhcRuntime, user: WorkstationUser, number: str, signed_xml: str | bytes
) -> SanatoriumApplicationRow:
    """Step 7 or step 8: the card or the refusal of the last form, signed with the employee's ЭЦП."""
    row = application_of(runtime, user, number)
    raw = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else signed_xml
    element = parse_xml(raw.strip())
    if row.result_xml is not None and h3.to_text(element) == row.result_xml:
        return row  # the same decision sent again
    row = _undecided(runtime, user, number)
    if row.pending_xml is None:
        raise DraftRequired(
            f"Сначала сформируйте карту или отказ по запросу {number} / Алдымен {number} сұрауы бойынша "
            "карта немесе бас тартуды қалыптастырыңыз",
            data=number,
        )
    pending = parse_xml(row.pending_xml.encode("utf-8"))
    kind = h3.root_name(element)
    if (
        kind not in ("card", "refusal")
        or kind != h3.root_name(pending)
        or not _same_document(kind, element, pending)
    ):
        raise ApplicationMismatch(
            f"Подписан не тот документ, что сформирован по запросу {number} / {number} сұрауы бойынша "
            "қалыптастырылған құжатқа емес, басқа құжатқа қол қойылған",
            data=number,
        )
    step_id = h3_steps.STEP_8 if kind == "card" else h3_steps.STEP_7
    ground = None if kind == "card" else h3.parse_refusal(element).ground.code
    with h3_steps.step(
        h3_steps.PROVIDER,
        step_id,
        application=row.application_id,
        registration_number=number,
        employee=user.iin,
        ground=ground,
    ):
        await workstation.check_employee_signature(runtime, user, element, user.iin)
        if kind == "card":
            return await asyncio.to_thread(
                sanatorium.store_card, runtime, row.application_id, element, decided_by=user.iin
            )
        assert ground is not None
        return await asyncio.to_thread(
            sanatorium.store_refusal, runtime, row.application_id, ground, element, decided_by=user.iin
        )
