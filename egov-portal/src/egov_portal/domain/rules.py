"""Structure and format rules of the portal's forms, and the lockout policy (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from egov_kit.identifiers import InvalidIdentifier, validate_iin

from egov_portal.domain.errors import FormInvalid, InvalidIin, InvalidPassword, InvalidPhone

PASSWORD_MIN = 8
PASSWORD_MAX = 128
REASON_MAX = 500
ORGANISATION_CODE_MAX = 64

_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
MOBILE_PHONE = re.compile(r"\+77\d{9}")  # the compact form every phone is kept in


def check_iin(value: str) -> str:
    """The ИИН's structure and check digit (``egov_kit.identifiers``)."""
    iin = value.strip()
    try:
        return validate_iin(iin)
    except InvalidIdentifier as exc:
        raise InvalidIin(
            "ИИН указан неверно: нужно 12 цифр с верным контрольным разрядом",
            "ЖСН қате көрсетілген: бақылау разряды дұрыс 12 цифр қажет",
        ) from exc


def check_password(value: str) -> str:
    if len(value) < PASSWORD_MIN:
        raise InvalidPassword(
            f"Пароль слишком короткий: не менее {PASSWORD_MIN} символов",
            f"Құпиясөз тым қысқа: кемінде {PASSWORD_MIN} таңба",
        )
    if len(value) > PASSWORD_MAX:
        raise InvalidPassword(
            f"Пароль слишком длинный: не более {PASSWORD_MAX} символов",
            f"Құпиясөз тым ұзын: {PASSWORD_MAX} таңбадан аспауы керек",
        )
    return value


def normalise_phone(value: str) -> str:
    """``+7 7xx xxx xx xx`` (spaces, dashes, brackets allowed) → ``+77xxxxxxxxx``."""
    compact = _PHONE_SEPARATORS.sub("", value.strip())
    if not MOBILE_PHONE.fullmatch(compact):
        raise InvalidPhone(
            "Номер телефона указан неверно: формат +7 7xx xxx xx xx",
            "Телефон нөмірі қате көрсетілген: пішімі +7 7xx xxx xx xx",
        )
    return compact


def format_phone(phone: str) -> str:
    """``+77011234567`` → ``+7 701 123 45 67``."""
    if not MOBILE_PHONE.fullmatch(phone):
        return phone
    digits = phone[2:]
    return f"+7 {digits[0:3]} {digits[3:6]} {digits[6:8]} {digits[8:10]}"


def check_text(
    text: str,
    *,
    field: str,
    max_chars: int,
    too_long: tuple[str, str, str],
    required: tuple[str, str, str] | None = None,
) -> str:
    """A form's free-text field (already trimmed): ``required`` (ru, kk, code) when it is empty and
    must not be; ``too_long`` (what is too long ru, kk, code) beyond ``max_chars`` characters."""
    if not text and required is not None:
        ru, kk, code = required
        raise FormInvalid(ru, kk, code=code, field=field)
    if len(text) > max_chars:
        ru, kk, code = too_long
        raise FormInvalid(
            f"{ru}: не более {max_chars} символов (сейчас {len(text)})",
            f"{kk}: {max_chars} таңбадан аспауы керек (қазір {len(text)})",
            code=code,
            field=field,
        )
    return text


def check_reason(value: str | None) -> str:
    return check_text(
        (value or "").strip(),
        field="reason",
        max_chars=REASON_MAX,
        required=("Укажите причину прикрепления", "Бекіну себебін көрсетіңіз", "REASON_REQUIRED"),
        too_long=("Причина слишком длинная", "Себеп тым ұзын", "REASON_TOO_LONG"),
    )


def check_organisation_code(value: str | None, allowed: set[str]) -> str:
    code = (value or "").strip()
    if not code:
        raise FormInvalid(
            "Выберите медицинскую организацию",
            "Медициналық ұйымды таңдаңыз",
            code="ORGANISATION_REQUIRED",
            field="organisationCode",
        )
    if len(code) > ORGANISATION_CODE_MAX or code not in allowed:
        raise FormInvalid(
            "Выбранная медицинская организация не обслуживает ваш регион по месту регистрации",
            "Таңдалған медициналық ұйым тіркелген жеріңіздегі өңірге қызмет көрсетпейді",
            code="ORGANISATION_NOT_IN_REGION",
            field="organisationCode",
        )
    return code


@dataclass(frozen=True)
class LockoutPolicy:
    """``threshold`` consecutive failures lock the account for ``duration`` (clock-based)."""

    threshold: int = 5
    duration: timedelta = timedelta(minutes=15)

    def is_locked(self, locked_until: datetime | None, moment: datetime) -> bool:
        return locked_until is not None and moment < locked_until

    def after_failure(self, failures: int, moment: datetime) -> tuple[int, datetime | None]:
        """The new failure count and lock end after one more failure."""
        failures += 1
        if failures >= self.threshold:
            return 0, moment + self.duration
        return failures, None
