"""H2 «Запись на прием к врачу»: the form's structure and format rules (process 3), pure functions.

The recipient chooses one doctor of the organisation they are attached to and one of that doctor's
FREE times as РПН's schedule shows them (seed 001 §3, closing paragraph); an optional reason (≤ 500
characters). Every violation is a named error (code, ru, kk) and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from egov_kit.clock import KZ_TZ

from egov_portal.domain.errors import FormInvalid, NotAttached, PortalError
from egov_portal.domain.rules import check_text

DOCTOR_ID_MAX = 40
SLOT_TEXT_MAX = 40
REASON_MAX = 500


class NotCancellable(PortalError):
    """Only a booked (``done``) H2 appointment still ahead can be cancelled, once."""

    code = "NOT_CANCELLABLE"
    http_status = 409


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime

    @property
    def day(self) -> date:
        return self.start.astimezone(KZ_TZ).date()


@dataclass(frozen=True)
class DoctorSlots:
    """A doctor of the organisation with the free slots РПН offers (``RPN_DoctorScheduleSync``)."""

    doctor_id: str
    full_name: str
    specialty: str
    specialty_ru: str
    specialty_kk: str
    cabinet: str
    section: str | None
    slots: tuple[Slot, ...]

    def by_day(self) -> list[tuple[date, list[Slot]]]:
        """The free slots grouped by (local) day, in order."""
        days: dict[date, list[Slot]] = {}
        for slot in sorted(self.slots, key=lambda s: s.start):
            days.setdefault(slot.day, []).append(slot)
        return list(days.items())


def not_attached() -> NotAttached:
    return NotAttached(
        "Вы не прикреплены ни к одной медицинской организации, оказывающей ПМСП: запись на прием "
        "к врачу возможна в организации прикрепления. Сначала прикрепитесь (услуга H1).",
        "Сіз МСАК көрсететін бірде-бір медициналық ұйымға бекітілмегенсіз: дәрігер қабылдауына бекітілген "
        "ұйымда ғана жазылуға болады. Алдымен бекітіліңіз (H1 қызметі).",
    )


def parse_slot_start(value: str | None) -> datetime:
    """The chosen slot's start, ISO 8601 with its offset (``SLOT_REQUIRED``, ``SLOT_INVALID``)."""
    text = (value or "").strip()
    if not text:
        raise FormInvalid(
            "Выберите свободное время приема врача",
            "Дәрігер қабылдауының бос уақытын таңдаңыз",
            code="SLOT_REQUIRED",
            field="slotStart",
        )
    try:
        moment = datetime.fromisoformat(text) if len(text) <= SLOT_TEXT_MAX else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FormInvalid(
            "Время приема указано неверно: нужен момент ISO 8601 с часовым поясом, как в форме",
            "Қабылдау уақыты қате көрсетілген: нысандағыдай уақыт белдеуі бар ISO 8601 сәті қажет",
            code="SLOT_INVALID",
            field="slotStart",
        )
    return moment


def check_choice(doctor_id: str | None, slot_start: str | None) -> tuple[str, datetime]:
    """The form's doctor and slot, by structure and format (``DOCTOR_REQUIRED``, ``SLOT_…``)."""
    code = (doctor_id or "").strip()
    if not code:
        raise FormInvalid("Выберите врача", "Дәрігерді таңдаңыз", code="DOCTOR_REQUIRED", field="doctorId")
    if len(code) > DOCTOR_ID_MAX:
        raise _doctor_not_available()
    return code, parse_slot_start(slot_start)


def choose(doctor_id: str, start: datetime, doctors: Sequence[DoctorSlots]) -> tuple[DoctorSlots, Slot]:
    """The chosen doctor and free slot among what РПН offers now."""
    doctor = next((item for item in doctors if item.doctor_id == doctor_id), None)
    if doctor is None:
        raise _doctor_not_available()
    slot = next((item for item in doctor.slots if item.start == start), None)
    if slot is None:
        local = start.astimezone(KZ_TZ)
        raise FormInvalid(
            f"Время {local:%d.%m.%Y %H:%M} у врача {doctor.full_name} не свободно по графику приема: "
            "выберите другое",
            f"{doctor.full_name} дәрігерінің {local:%d.%m.%Y %H:%M} уақыты кестеге сәйкес бос емес: "
            "басқасын таңдаңыз",
            code="SLOT_NOT_AVAILABLE",
            field="slotStart",
        )
    return doctor, slot


def _doctor_not_available() -> FormInvalid:
    return FormInvalid(
        "Выбранный врач не ведет прием в медицинской организации вашего прикрепления",
        "Таңдалған дәрігер сіз бекітілген медициналық ұйымда қабылдамайды",
        code="DOCTOR_NOT_AVAILABLE",
        field="doctorId",
    )


def check_reason(value: str | None) -> str | None:
    """The optional reason of the visit (≤ 500 characters)."""
    reason = check_text(
        (value or "").strip(),
        field="reason",
        max_chars=REASON_MAX,
        too_long=("Повод обращения слишком длинный", "Жүгіну себебі тым ұзын", "REASON_TOO_LONG"),
    )
    return reason or None


def free_slot_count(doctors: Iterable[DoctorSlots]) -> int:
    return sum(len(doctor.slots) for doctor in doctors)
