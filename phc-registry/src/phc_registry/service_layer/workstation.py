"""H1 at the medical organisation (seed 002 table 2, seed 000 §5): the staff workstation's use cases.

* **step 1** :func:`login` — ИИН and password (argon2); five failures in a row lock the account for
  ``lockout_minutes``; a session (random token, only its SHA-256 stored) with a CSRF token derived
  from it.
* **step 2** :func:`choose_service` — the service, named as the regulation names it.
* **step 3** :func:`lookup` — ГБД ФЛ through ШЭП; the answer is kept in the session for the form.
* **step 4** — absent from ГБД ФЛ: a motivated refusal (NOT_IN_GBDFL), printable.
* **step 5** :func:`upload_scans`, :func:`draft`, then :func:`register` — the form, the scans, and
  the application signed with the employee's ЭЦП (the draft names the logged-in employee in
  ``signerIin``, so the local signer picks that employee's key), checked here: signature,
  certificate, the signer an employee of this organisation, and the employee the application names.
* **step 6** — registered with a number; the grounds are checked (the look-up of step 3, the
  organisation's territory, an existing attachment).
* **step 7** motivated refusal, or **step 8** the talon, both printable.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from egov_kit.attachments import CheckedFile
from egov_kit.clock import now
from egov_kit.documents.errors import IinMismatch, SignerNotAuthorised
from egov_kit.documents.h1 import (
    Application,
    Recipient,
    ScanReference,
    build_application,
    parse_application,
    to_text,
)
from egov_kit.dsig import SignatureMissing, verify_document
from egov_kit.identifiers import validate_iin
from egov_kit.telemetry import inject
from egov_kit.xml import parse_xml
from lxml import etree
from opentelemetry.trace import Span

from phc_registry.adapters.orm import AccountRow, ApplicationRow, ScanRow, SessionRow
from phc_registry.adapters.passwords import hash_password, verify_password
from phc_registry.adapters.scans import check_scan
from phc_registry.domain import grounds as g
from phc_registry.domain import seed
from phc_registry.domain.errors import (
    AccountLocked,
    ApplicationMismatch,
    ApplicationNotFound,
    CsrfRejected,
    InvalidCredentials,
    LookupRequired,
    NotAuthenticated,
    ScanUnknown,
    UnknownService,
)
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import (
    Attachment,
    MedicalOrganisation,
    PersonLookup,
    Section,
    StaffMember,
    lookup_json,
    lookup_of,
)
from phc_registry.domain.rules import check_application
from phc_registry.service_layer import attachment, h3_steps, steps
from phc_registry.service_layer.attachment import SignRefusal
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.steps import step_of
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory

# A hash to verify against for unknown ИИН, so that a wrong login takes as long whoever it names.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from the (HttpOnly, secret) session token."""
    return hashlib.sha256(f"phc-csrf:{session_token}".encode()).hexdigest()


@dataclass(frozen=True)
class WorkstationUser:
    member: StaffMember
    organisation: MedicalOrganisation
    token_hash: str
    csrf_token: str
    expires_at: datetime
    lookups: dict[str, Any] = field(default_factory=dict)
    trace: dict[str, Any] = field(default_factory=dict)
    service: str | None = None

    @property
    def iin(self) -> str:
        return self.member.iin


# --- accounts ------------------------------------------------------------------------------------


def seed_accounts(uow_factory: UnitOfWorkFactory, password: str = seed.DEV_PASSWORD) -> int:
    """Create the workstation accounts of the seeded staff that do not exist yet; returns how many."""
    members = [member for org in seed.ORGANISATIONS for member in org.staff]
    with uow_factory() as uow:
        existing = uow.accounts.existing(member.iin for member in members)
    missing = [member for member in members if member.iin not in existing]
    rows = [
        AccountRow(iin=m.iin, organisation=m.organisation, password_hash=hash_password(password))
        for m in missing
    ]
    with uow_factory() as uow:
        for row in rows:
            uow.accounts.add(row)
    return len(rows)


def seed_attachments(uow_factory: UnitOfWorkFactory) -> int:
    """Store the documented attachments once (when the register is empty)."""
    with uow_factory() as uow:
        if uow.attachments.count():
            return 0
        by_person: dict[str, list[Attachment]] = {}
        for item in seed.SEEDED_ATTACHMENTS:
            by_person.setdefault(item.iin, []).append(item)
        for iin, items in by_person.items():
            history = uow.attachments.history(iin)
            history.attachments.extend(items)
            uow.attachments.save(history)
    return len(seed.SEEDED_ATTACHMENTS)


def login(
    runtime: PhcRuntime, iin: str, password: str, *, service: str | None = None
) -> tuple[str, WorkstationUser]:
    """Step 1: ИИН and password → a new session token (set it as an HttpOnly cookie).

    ``service``: whose regulation's step 1 the span is (H1 unless the caller knows it, e.g. H3's API).
    """
    limits = runtime.limits
    with _steps_of(service or steps.REGULATION_ID)(steps.PROVIDER, steps.STEP_1, employee=iin):
        organisation = seed.employer_of(iin)
        moment = now().astimezone(UTC)
        outcome: str
        with runtime.uow_factory() as uow:
            account = uow.accounts.get(iin)
            if account is None or organisation is None:
                verify_password(_dummy_hash(), password)
                outcome = "unknown"
            elif (locked := attachment.utc(account.locked_until)) is not None and locked > moment:
                outcome = "locked"
            elif not verify_password(account.password_hash, password):
                account.failed_attempts += 1
                if account.failed_attempts >= limits.max_failed_logins:
                    account.locked_until = moment + timedelta(minutes=limits.lockout_minutes)
                    account.failed_attempts = 0
                    outcome = "locked_now"
                else:
                    outcome = "wrong"
                uow.accounts.save(account)
            else:
                account.failed_attempts = 0
                account.locked_until = None
                account.last_login_at = moment
                uow.accounts.save(account)
                outcome = "ok"
            left = limits.max_failed_logins - (account.failed_attempts if account else 0)
            locked_until = attachment.utc(account.locked_until) if account else None
        if outcome in ("locked", "locked_now"):
            until = (locked_until or moment).astimezone(now().tzinfo)
            raise AccountLocked(
                f"Учётная запись заблокирована до {until:%H:%M} после {limits.max_failed_logins} неудачных "
                f"попыток входа / {limits.max_failed_logins} сәтсіз кіру әрекетінен кейін есептік жазба "
                f"{until:%H:%M} дейін бұғатталды",
                data=until.isoformat(timespec="seconds"),
            )
        if outcome != "ok":
            raise InvalidCredentials(
                f"Неверный ИИН или пароль (осталось попыток: {left}) / "
                f"ЖСН немесе құпиясөз қате (қалған әрекет саны: {left})",
                data=str(left),
            )
        assert organisation is not None
        token = secrets.token_urlsafe(32)
        with runtime.uow_factory() as uow:
            uow.sessions.purge_expired(moment)
            row = SessionRow(
                token_hash=token_hash(token),
                employee_iin=iin,
                created_at=moment,
                expires_at=moment + timedelta(minutes=limits.session_minutes),
                lookups={},
                trace=inject({}),
            )
            uow.sessions.add(row)
    return token, _user(row, organisation, token)


def _user(row: SessionRow, organisation: MedicalOrganisation, token: str) -> WorkstationUser:
    member = organisation.member(row.employee_iin)
    assert member is not None
    return WorkstationUser(
        member=member,
        organisation=organisation,
        token_hash=row.token_hash,
        csrf_token=csrf_token(token),
        expires_at=attachment.utc(row.expires_at) or now(),
        lookups=dict(row.lookups),
        trace=dict(row.trace),
        service=row.service,
    )


def authenticate(runtime: PhcRuntime, token: str | None) -> WorkstationUser:
    """The session of a token (cookie), or ``NOT_AUTHENTICATED``."""
    problem = NotAuthenticated(
        "Войдите в АРМ: сессия отсутствует или истекла / ЖЖО-ға кіріңіз: сессия жоқ немесе мерзімі өтті"
    )
    if not token:
        raise problem
    with runtime.uow_factory() as uow:
        row = uow.sessions.get(token_hash(token))
    if row is None or (attachment.utc(row.expires_at) or now()) < now():
        raise problem
    organisation = seed.employer_of(row.employee_iin)
    if organisation is None:
        raise problem
    return _user(row, organisation, token)


def logout(runtime: PhcRuntime, token: str | None) -> None:
    if token:
        with runtime.uow_factory() as uow:
            uow.sessions.delete(token_hash(token))


def check_csrf(user: WorkstationUser, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, user.csrf_token):
        raise CsrfRejected(
            "Форма устарела или подделана (CSRF): обновите страницу / "
            "Форма ескірген немесе жалған (CSRF): бетті жаңартыңыз"
        )


# --- step 2 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name_ru: str
    name_kk: str


def services() -> list[ServiceChoice]:
    name_ru, name_kk = steps.service_names()
    h3_ru, h3_kk = h3_steps.service_names()
    return [
        ServiceChoice(steps.REGULATION_ID, name_ru, name_kk),
        ServiceChoice(h3_steps.REGULATION_ID, h3_ru, h3_kk),
    ]


def _steps_of(service: str) -> Callable[..., AbstractContextManager[Span]]:
    """The step spans of a service's regulation (H1's by default)."""
    return h3_steps.step if service == h3_steps.REGULATION_ID else steps.step


def choose_service(
    runtime: PhcRuntime, user: WorkstationUser, service: str = steps.REGULATION_ID
) -> ServiceChoice:
    """Step 2: the employee chooses the service (remembered in the session)."""
    with _steps_of(service)(
        steps.PROVIDER, steps.STEP_2, employee=user.iin, organisation=user.organisation.code
    ):
        choice = next((item for item in services() if item.code == service), None)
        if choice is None:
            raise UnknownService(
                f"Услуга {service} не оказывается в этом АРМ / {service} қызметі бұл АЖО-да көрсетілмейді"
            )
        with runtime.uow_factory() as uow:
            row = uow.sessions.get(user.token_hash)
            if row is not None:
                row.service = choice.code
                uow.sessions.save(row)
        return choice


def ensure_service(runtime: PhcRuntime, user: WorkstationUser) -> None:
    """Step 2 once per session, before the first look-up (the JSON API has no page to choose on)."""
    if user.service is None:
        choose_service(runtime, user)


# --- step 3 (and 4) ------------------------------------------------------------------------------


def cached_lookup(user: WorkstationUser, iin: str, *, prefix: str = "") -> PersonLookup:
    """The look-up of step 3 kept in the session (under ``prefix`` + ИИН), or ``LOOKUP_REQUIRED``."""
    data = user.lookups.get(prefix + iin)
    if data is None:
        raise LookupRequired(
            f"Сначала запросите сведения об ИИН {iin} в ГБД ФЛ / Алдымен ЖТ ММБ-дан ЖСН {iin} туралы "
            "мәліметтерді сұратыңыз",
            data=iin,
        )
    return lookup_of(iin, data)


@dataclass(frozen=True)
class LookupOutcome:
    lookup: PersonLookup
    refusal: etree._Element | None = None  # step 4
    attachment: Attachment | None = None  # the person's active attachment, if any
    suggested: Section | None = None  # the section serving the address in this organisation
    serves: bool = False  # this organisation serves the person's address


async def lookup(runtime: PhcRuntime, user: WorkstationUser, iin: str) -> LookupOutcome:
    """Step 3: ask ГБД ФЛ through ШЭП; step 4 when it has no data (a signed motivated refusal)."""
    iin = iin.strip()
    if user.service is None:
        await asyncio.to_thread(ensure_service, runtime, user)
    found, refusal = await look_up(
        runtime, user, iin, steps.REGULATION_ID, g.NOT_IN_GBDFL, attachment.refusal_document
    )
    if refusal is not None or found.person is None:
        return LookupOutcome(found, refusal=refusal)
    history = await asyncio.to_thread(attachment.history_of, runtime.uow_factory, iin)
    address = found.person.address
    return LookupOutcome(
        found,
        attachment=history.active,
        suggested=user.organisation.serving_section(address) if address else None,
        serves=bool(address and user.organisation.serves(address)),
    )


async def look_up(
    runtime: PhcRuntime,
    user: WorkstationUser,
    iin: str,
    regulation_id: str,
    ground: str,
    refuse: SignRefusal,
    *,
    cache_prefix: str = "",
) -> tuple[PersonLookup, etree._Element | None]:
    """Step 3 of a regulation (H1, H3): ГБД ФЛ through ШЭП, kept in the session (under
    ``cache_prefix`` + ИИН); step 4 when it has no data: the motivated refusal ``ground`` signed by
    ``refuse``."""
    with step_of(regulation_id, steps.PROVIDER, steps.STEP_3, employee=user.iin, recipient=iin) as current:
        validate_iin(iin)
        found = await runtime.gbd.lookup(iin)
        current.set_attribute("egov.gbdfl.status", found.status)
        await asyncio.to_thread(keep_lookup, runtime, user, cache_prefix + iin, lookup_json(found))
    if found.status != "absent" and found.person is not None:
        return found, None
    with step_of(
        regulation_id, steps.PROVIDER, steps.STEP_4, employee=user.iin, recipient=iin, ground=ground
    ):
        refusal = await asyncio.to_thread(
            refuse,
            runtime,
            Violation(
                ground,
                f"По ИИН {iin} сведения в ГБД ФЛ отсутствуют: {found.message_ru}".rstrip(": "),
                f"ЖСН {iin} бойынша ЖТ ММБ-да мәліметтер жоқ: {found.message_kk}".rstrip(": "),
            ),
            recipient_iin=iin,
            organisation=user.organisation,
        )
    return found, refusal


def keep_lookup(runtime: PhcRuntime, user: WorkstationUser, key: str, data: dict[str, Any]) -> None:
    """A look-up kept in the session (in memory and in its row) under ``key``."""
    user.lookups[key] = data
    with runtime.uow_factory() as uow:
        row = uow.sessions.get(user.token_hash)
        if row is not None:
            row.lookups = {**row.lookups, key: data}
            uow.sessions.save(row)


# --- step 5 --------------------------------------------------------------------------------------


def upload_scans(
    runtime: PhcRuntime, user: WorkstationUser, files: list[tuple[str, str | None, bytes]]
) -> list[ScanReference]:
    """Check every file (PDF/JPEG/PNG, size), then store them all; nothing is stored if one fails."""
    with steps.part(steps.STEP_5, "workstation: attach scanned documents", employee=user.iin):
        checked = [
            check_scan(name, declared, content, max_bytes=runtime.limits.max_scan_bytes)
            for name, declared, content in files
        ]
        store_uploads(runtime, user, checked)
        return [ScanReference(scan.file_name, scan.media_type, scan.sha256) for scan in checked]


def store_uploads(runtime: PhcRuntime, user: WorkstationUser, checked: list[CheckedFile]) -> None:
    """Checked files into the scan store (by SHA-256), each upload logged for this employee: a file
    is named in an application by its latest name (H1 and H3)."""
    moment = now().astimezone(UTC)
    for item in checked:
        runtime.scans.write(item)
    with runtime.uow_factory() as uow:
        for item in checked:
            uow.scans.add(
                ScanRow(
                    sha256=item.sha256,
                    file_name=item.file_name,
                    media_type=item.media_type,
                    size=item.size,
                    uploaded_by=user.iin,
                    uploaded_at=moment,
                )
            )


def _scan_references(
    runtime: PhcRuntime, user: WorkstationUser, scans: list[str] | list[ScanReference]
) -> list[ScanReference]:
    """References to scans this employee uploaded: by SHA-256 (the latest name) or as uploaded."""
    references = []
    with runtime.uow_factory() as uow:
        for scan in scans:
            digest = scan.sha256 if isinstance(scan, ScanReference) else scan.strip().lower()
            name = scan.file_name if isinstance(scan, ScanReference) else None
            row = uow.scans.find(digest, user.iin, name)
            if row is None or not runtime.scans.exists(row.sha256):
                raise ScanUnknown(
                    f"Скан {digest} не загружен в этом АРМ / {digest} сканы осы АЖО-ға жүктелмеген",
                    data=digest,
                )
            references.append(ScanReference(row.file_name, row.media_type, row.sha256))
    return references


def draft(
    runtime: PhcRuntime,
    user: WorkstationUser,
    iin: str,
    section: str,
    reason: str,
    scans: list[str] | list[ScanReference],
) -> etree._Element:
    """The unsigned application the employee signs (after the look-up of step 3).

    It names the logged-in employee as its signer (``signerIin``): the local signer (NCALayer's
    stand-in) then signs with that employee's key rather than the citizen's.
    """
    found = cached_lookup(user, iin)
    if found.person is None:
        raise LookupRequired(
            f"ИИН {iin} отсутствует в ГБД ФЛ: заявление не оформляется / ЖСН {iin} ЖТ ММБ-да жоқ: "
            "өтініш ресімделмейді",
            data=iin,
        )
    user.organisation.section(section)  # UNKNOWN_SECTION
    person = found.person
    with steps.part(steps.STEP_5, "workstation: application form", employee=user.iin):
        return build_application(
            recipient=Recipient(person.iin, person.surname, person.name, person.patronymic),
            organisation_code=user.organisation.code,
            reason=reason.strip(),
            channel="provider",
            section_number=section,
            attachments=_scan_references(runtime, user, scans),
            signer_iin=user.iin,
        )


# --- steps 5 (signature) to 8 --------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterOutcome:
    row: ApplicationRow
    created: bool

    @property
    def document(self) -> etree._Element:
        return attachment.result_document(self.row)


async def check_employee_signature(
    runtime: PhcRuntime, user: WorkstationUser, element: etree._Element, signer_iin: str | None
) -> str:
    """The signature, the certificate, an employee of this organisation, and the one ``signer_iin`` names.

    ``SIGNER_NOT_AUTHORISED`` when the certificate is not an employee certificate of this
    organisation's БИН naming one of its staff (a citizen's key, another organisation's employee);
    ``IIN_MISMATCH`` when the application names its signer (``signerIin``) and the certificate's ИИН
    is another.
    """
    verified = verify_document(element)
    identity = await runtime.validator.validate(verified.certificate, extra_chain=verified.chain)
    organisation = user.organisation
    if (
        identity.kind != "employee"
        or identity.bin != organisation.bin
        or organisation.member(identity.iin or "") is None
    ):
        raise SignerNotAuthorised(
            f"Заявление подписано {identity.common_name} (ИИН {identity.iin or '—'}, "
            f"БИН {identity.bin or '—'}): "
            f"подписать может только работник {organisation.name_ru} / Өтінішке {identity.common_name} қол "
            f"қойған: тек {organisation.name_kk} қызметкері қол қоя алады",
            data=identity.common_name,
        )
    if signer_iin is not None and identity.iin != signer_iin:
        raise IinMismatch(
            f"Заявление подписано ЭЦП работника с ИИН {identity.iin}, а в заявлении подписантом указан "
            f"ИИН {signer_iin} / Өтінішке ЖСН {identity.iin} қызметкердің ЭЦҚ-сы қойылған, "
            f"ал өтініште қол қоюшы ретінде ЖСН {signer_iin} көрсетілген",
            data=identity.iin,
        )
    return f"{identity.common_name} (ИИН {identity.iin})"


def _check_application(runtime: PhcRuntime, user: WorkstationUser, application: Application) -> None:
    if application.channel != "provider" or application.organisation_code != user.organisation.code:
        raise ApplicationMismatch(
            f"Заявление оформлено не в АРМ {user.organisation.name_ru} (организация "
            f"{application.organisation_code}, канал {application.channel}) / Өтініш "
            f"{user.organisation.name_kk} АЖО-да ресімделмеген",
            data=application.application_id,
        )
    cached_lookup(user, application.recipient.iin)
    _scan_references(runtime, user, list(application.attachments))


async def register(runtime: PhcRuntime, user: WorkstationUser, signed_xml: str | bytes) -> RegisterOutcome:
    """Steps 5–8: the signed application is checked, registered with a number, then refused or attached."""
    raw = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else signed_xml
    with steps.step(steps.PROVIDER, steps.STEP_5, employee=user.iin) as current:
        element = parse_xml(raw.strip())
        application = parse_application(element)
        current.set_attribute("egov.application", application.application_id)
        if not application.signed:
            raise SignatureMissing(
                "Заявление не подписано ЭЦП работника / Өтінішке қызметкердің ЭЦҚ-сы қойылмаған"
            )
        _check_application(runtime, user, application)
        signer = await check_employee_signature(runtime, user, element, application.signer_iin)
    application_id = application.application_id
    with steps.step(steps.PROVIDER, steps.STEP_6, application=application_id, employee=user.iin) as current:
        registration = await asyncio.to_thread(
            attachment.register,
            runtime.uow_factory,
            application,
            to_text(element),
            registered_by=user.iin,
            signer=signer,
        )
        row = registration.row
        current.set_attribute("egov.registration_number", row.registration_number)
        if row.result_xml is not None:
            return RegisterOutcome(row, registration.created)
        found = cached_lookup(user, application.recipient.iin)
        history = await asyncio.to_thread(
            attachment.history_of, runtime.uow_factory, application.recipient.iin
        )
        decision = check_application(application, found, user.organisation, history)
        current.set_attribute(
            "egov.decision", decision.ground if isinstance(decision, Violation) else "accepted"
        )
    number = row.registration_number
    if isinstance(decision, Violation):
        with steps.step(
            steps.PROVIDER,
            steps.STEP_7,
            application=application_id,
            registration_number=number,
            ground=decision.ground,
        ):
            row = await asyncio.to_thread(attachment.refuse, runtime, application_id, decision)
        return RegisterOutcome(row, registration.created)
    assert found.person is not None
    with steps.step(steps.PROVIDER, steps.STEP_8, application=application_id, registration_number=number):
        row = await asyncio.to_thread(attachment.attach, runtime, application_id, decision, found.person)
    return RegisterOutcome(row, registration.created)


def recent_applications(runtime: PhcRuntime, user: WorkstationUser, limit: int = 20) -> list[ApplicationRow]:
    with runtime.uow_factory() as uow:
        return uow.applications.recent(user.organisation.code, limit)


def application_of(runtime: PhcRuntime, user: WorkstationUser, registration_number: str) -> ApplicationRow:
    row = attachment.by_number(runtime.uow_factory, registration_number)
    if row.organisation != user.organisation.code:
        raise ApplicationNotFound(
            f"Заявление {registration_number} не найдено / {registration_number} өтініші табылмады"
        )
    return row
