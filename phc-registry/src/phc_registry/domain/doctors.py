"""Seed of H2: the doctors receiving patients in each organisation, with their weekly schedules.

The section doctors of :mod:`phc_registry.domain.seed` (therapists and general practitioners, with
their ИИН and section) receive every working day from 9:00 to 18:30 (the calendar cuts the lunch);
each organisation also has a pediatrician (and the larger ones an obstetrician-gynecologist)
receiving in the mornings on Monday, Wednesday and Friday and in the afternoons on Tuesday and
Thursday. A doctor's id is ``<organisation>-D<n>``; the cabinet is the room of reception.
"""

from __future__ import annotations

from datetime import time

from phc_registry.domain import seed
from phc_registry.domain.appointments import (
    GYNECOLOGIST,
    PEDIATRICIAN,
    THERAPIST,
    Doctor,
    Specialty,
    UnknownDoctor,
    WorkingHours,
    weekly,
)

FULL_WEEK = weekly(range(5), time(9, 0), time(18, 30))
ALTERNATE = (
    *weekly((0, 2, 4), time(9, 0), time(13, 0)),
    *weekly((1, 3), time(14, 30), time(18, 30)),
)

# organisation → extra doctors (surname, given name, patronymic, specialty)
_EXTRA: dict[str, tuple[tuple[str, str, str, Specialty], ...]] = {
    "ZHM-TRZ-01": (("Байменова", "Сауле", "Ержановна", PEDIATRICIAN),),
    "ZHM-TRZ-05": (("Кенжебаева", "Асем", "Толегеновна", PEDIATRICIAN),),
    "ZHM-SHU-01": (("Алиева", "Гульнар", "Маратовна", PEDIATRICIAN),),
    "ZHM-KRD-01": (("Досанова", "Жанна", "Бекболатовна", PEDIATRICIAN),),
    "VKO-UKG-03": (
        ("Морозова", "Ольга", "Викторовна", PEDIATRICIAN),
        ("Сарсенбаева", "Динара", "Канатовна", GYNECOLOGIST),
    ),
    "VKO-RDR-01": (("Попова", "Татьяна", "Андреевна", PEDIATRICIAN),),
    "ZKO-URL-02": (("Габдуллина", "Эльмира", "Сериковна", PEDIATRICIAN),),
    "ZKO-AKS-01": (
        ("Нуржанова", "Айнур", "Кайратовна", PEDIATRICIAN),
        ("Шарипов", "Ерлан", "Асланович", THERAPIST),
    ),
}


def _doctors() -> tuple[Doctor, ...]:
    found: list[Doctor] = []
    for organisation in seed.ORGANISATIONS:
        number = 0
        for member in organisation.staff:
            if not member.is_doctor:
                continue
            number += 1
            found.append(
                Doctor(
                    doctor_id=f"{organisation.code}-D{number}",
                    organisation=organisation.code,
                    surname=member.surname,
                    given_name=member.given_name,
                    patronymic=member.patronymic,
                    specialty=THERAPIST,
                    cabinet=f"{100 + number}",
                    hours=FULL_WEEK,
                    section=member.section,
                    iin=member.iin,
                )
            )
        for surname, given_name, patronymic, specialty in _EXTRA.get(organisation.code, ()):
            number += 1
            hours: tuple[WorkingHours, ...] = FULL_WEEK if specialty is THERAPIST else ALTERNATE
            found.append(
                Doctor(
                    doctor_id=f"{organisation.code}-D{number}",
                    organisation=organisation.code,
                    surname=surname,
                    given_name=given_name,
                    patronymic=patronymic,
                    specialty=specialty,
                    cabinet=f"{200 + number}",
                    hours=hours,
                )
            )
    return tuple(found)


DOCTORS: tuple[Doctor, ...] = _doctors()
BY_ID: dict[str, Doctor] = {doctor.doctor_id: doctor for doctor in DOCTORS}


def of_organisation(code: str) -> list[Doctor]:
    return [doctor for doctor in DOCTORS if doctor.organisation == code]


def doctor(doctor_id: str) -> Doctor:
    found = BY_ID.get(doctor_id)
    if found is None:
        raise UnknownDoctor(f"Врач {doctor_id} не найден / {doctor_id} дәрігері табылмады", data=doctor_id)
    return found
