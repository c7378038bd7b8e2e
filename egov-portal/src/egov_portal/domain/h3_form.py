"""Structure and format rules of the H3 form (process 3, seed 004): pure functions, named errors.

The form «Выдача заключения о нуждаемости в санаторно-курортном лечении»: the main diagnosis
(an ICD-10 code and its text), the date of the clinical and diagnostic results (not after the
submission), the electronic copies of those results (PDF/JPEG/PNG, limits of
``egov_kit.documents.h3``, checked by ``egov_kit.attachments``), the consent to access restricted
personal data (seed 004 item 9 3): a missing consent is NOT a form error — the portal warns and
lets it go, and the provider refuses with ``NO_CONSENT``), and how the request is confirmed: an EDS
or a one-time password (item 10). Every rule breaks with a :class:`FormInvalid` naming its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from egov_kit.attachments import AttachmentError, CheckedFile, check_files
from egov_kit.clock import KZ_TZ

from egov_portal.domain.errors import FormInvalid, PortalError
from egov_portal.domain.rules import check_text

Confirmation = Literal["eds", "otp"]
CONFIRMATIONS: tuple[Confirmation, ...] = ("eds", "otp")
DIAGNOSIS_TEXT_MAX = 1000
# ICD-10: a letter, two digits, optionally a dot and one to four more characters (M17.1, J45.0, E11.65).
ICD10 = re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?")
_TRUE = frozenset({"on", "true", "1", "yes", "да", "иә"})
_ATTACHMENT_STATUS = {
    "ATTACHMENT_TOO_LARGE": 413,
    "ATTACHMENTS_TOO_LARGE": 413,
    "ATTACHMENT_TYPE_NOT_ALLOWED": 415,
    "ATTACHMENT_TOO_MANY": 422,
}


class AttachmentRefused(FormInvalid):
    """A file of the form was refused (type, size, count): the kit's code, nothing stored."""

    code = "ATTACHMENT_REFUSED"

    def __init__(self, error: AttachmentError) -> None:
        super().__init__(error.message_ru, error.message_kk, code=error.code, field="files")
        self.http_status = _ATTACHMENT_STATUS.get(error.code, 422)


class SimulatedTimeInvalid(PortalError):
    code = "SIMULATED_TIME_INVALID"


def check_diagnosis_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not code:
        raise FormInvalid(
            "Укажите код основного диагноза по МКБ-10 (например, M17.1)",
            "Негізгі диагноздың АХЖ-10 бойынша кодын көрсетіңіз (мысалы, M17.1)",
            code="DIAGNOSIS_CODE_REQUIRED",
            field="diagnosisCode",
        )
    if not ICD10.fullmatch(code):
        raise FormInvalid(
            f"Код диагноза «{code[:20]}» не соответствует МКБ-10: буква, две цифры, при необходимости "
            "точка и уточнение (например, M17.1)",
            f"«{code[:20]}» диагноз коды АХЖ-10 сәйкес емес: әріп, екі цифр, қажет болса нүкте мен "
            "нақтылау (мысалы, M17.1)",
            code="DIAGNOSIS_CODE_INVALID",
            field="diagnosisCode",
        )
    return code


def check_diagnosis_text(value: str | None) -> str:
    return check_text(
        " ".join((value or "").split()),
        field="diagnosisText",
        max_chars=DIAGNOSIS_TEXT_MAX,
        required=(
            "Укажите основной диагноз словами",
            "Негізгі диагнозды сөзбен көрсетіңіз",
            "DIAGNOSIS_TEXT_REQUIRED",
        ),
        too_long=("Диагноз слишком длинный", "Диагноз тым ұзын", "DIAGNOSIS_TEXT_TOO_LONG"),
    )


def check_examined_on(value: str | date | None, submitted_at: datetime) -> date:
    """The date of the clinical and diagnostic results: a date, not after the submission's day."""
    if isinstance(value, date):
        day = value
    else:
        text = (value or "").strip()
        if not text:
            raise FormInvalid(
                "Укажите дату результатов клинико-диагностических исследований",
                "Клиникалық-диагностикалық зерттеулер нәтижелерінің күнін көрсетіңіз",
                code="EXAMINED_ON_REQUIRED",
                field="examinedOn",
            )
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = _dotted(text)
    if day > submitted_at.astimezone(KZ_TZ).date():
        raise FormInvalid(
            f"Дата исследований {day:%d.%m.%Y} ещё не наступила",
            f"Зерттеулер күні {day:%d.%m.%Y} әлі келген жоқ",
            code="EXAMINED_ON_IN_FUTURE",
            field="examinedOn",
        )
    return day


def _dotted(text: str) -> date:
    """``dd.mm.yyyy`` (how the pages show dates), else ``EXAMINED_ON_INVALID``."""
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise FormInvalid(
            "Дата исследований указана неверно: формат ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
            "Зерттеулер күні қате көрсетілген: пішімі ЖЖЖЖ-АА-КК немесе КК.АА.ЖЖЖЖ",
            code="EXAMINED_ON_INVALID",
            field="examinedOn",
        ) from None


def parse_consent(value: object) -> bool:
    """A checkbox: ``on``/``true``/``1``… is consent; absent or anything else is no consent."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def check_confirmation(value: str | None) -> Confirmation:
    """``eds`` (the recipient's EDS) or ``otp`` (a one-time password by SMS); absent means ``eds``."""
    choice = (value or "eds").strip().lower()
    if choice == "eds":
        return "eds"
    if choice == "otp":
        return "otp"
    raise FormInvalid(
        "Выберите способ подтверждения запроса: ЭЦП или одноразовый пароль",
        "Сұрауды растау тәсілін таңдаңыз: ЭЦҚ немесе бір реттік құпиясөз",
        code="CONFIRMATION_INVALID",
        field="confirmation",
    )


def check_attachments(
    files: Iterable[tuple[str, str | None, bytes]],
    *,
    max_files: int,
    max_file_bytes: int,
    max_total_bytes: int,
    media_types: Iterable[str],
) -> list[CheckedFile]:
    """At least one file, then the kit's checks (count, each file's type and size, the total)."""
    given = [item for item in files if item[0] or item[2]]  # an empty file input sends nothing
    if not given:
        raise FormInvalid(
            "Прикрепите электронную копию результатов клинико-диагностических исследований "
            "(PDF, JPEG или PNG)",
            "Клиникалық-диагностикалық зерттеулер нәтижелерінің электрондық көшірмесін тіркеңіз "
            "(PDF, JPEG немесе PNG)",
            code="FILES_REQUIRED",
            field="files",
        )
    try:
        return check_files(
            given,
            max_bytes=max_file_bytes,
            max_files=max_files,
            max_total_bytes=max_total_bytes,
            allowed=tuple(media_types),
        )
    except AttachmentError as exc:
        raise AttachmentRefused(exc) from exc


def parse_simulated_time(value: str) -> datetime:
    """``X-Egov-Simulated-Time``: an ISO 8601 moment; without an offset it is Kazakhstan time (UTC+5)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SimulatedTimeInvalid(
            "Заголовок X-Egov-Simulated-Time должен быть моментом ISO 8601 (например, "
            "2025-03-14T19:30:00+05:00)",
            "X-Egov-Simulated-Time тақырыбы ISO 8601 уақыт сәті болуы керек (мысалы, "
            "2025-03-14T19:30:00+05:00)",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KZ_TZ)
    return moment.astimezone(KZ_TZ)
