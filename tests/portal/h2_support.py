"""Harness of the portal's H2 tests: the fake ШЭП answers РПН's attachment and doctors' schedule.

``H2Shep`` extends the portal tests' ``FakeShep``: ``RPN_MedicalOrganizationsSync`` asked with
``recipientIin`` answers with the organisation of that person's attachment (``ATTACHED``), and
``RPN_DoctorScheduleSync`` with two doctors of it whose free slots are 10:00, 10:20 and 11:00 of every
working day of the asked range (those still ahead), minus the ones in ``taken``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from egov_kit.calendar import get_calendar
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h1, h2, rpn
from egov_kit.pki import KeyPair
from egov_kit.shep.provider import ShepContext
from lxml import etree

from tests.portal import support
from tests.portal.support import ADULT, ORGANISATIONS, FakeShep, SyncReply, context, h1_org, rpn_answer

ORGANISATION = ORGANISATIONS[0]  # ZHM-TRZ-01, БИН of the tests' employee with the right of signature
ATTACHED = {ADULT: (ORGANISATION.code, "1", date(2016, 2, 1))}
THERAPIST = h2.DoctorInfo(
    "ZHM-TRZ-01-D1", "Нурланов Арман Бауыржанович", "therapist", "Терапевт", "Терапевт", "101", "1"
)
PEDIATRICIAN = h2.DoctorInfo(
    "ZHM-TRZ-01-D4", "Байменова Сауле Ержановна", "pediatrician", "Педиатр", "Педиатр", "204"
)
DOCTORS = (THERAPIST, PEDIATRICIAN)
SLOT_TIMES = (time(10, 0), time(10, 20), time(11, 0))


def free_slots(date_from: date, date_to: date, taken: set[datetime]) -> list[h2.SlotInfo]:
    calendar = get_calendar()
    moment = now()
    found: list[h2.SlotInfo] = []
    day = date_from
    while day <= date_to:
        if calendar.is_working_day(day):
            for at in SLOT_TIMES:
                start = datetime.combine(day, at, tzinfo=KZ_TZ)
                if start > moment and start not in taken:
                    found.append(h2.SlotInfo(start, start + timedelta(minutes=20)))
        day += timedelta(days=1)
    return found


@dataclass
class H2Shep(FakeShep):
    taken: set[datetime] = field(default_factory=set)

    async def send_sync(self, service_id: str, data: etree._Element | None) -> SyncReply:
        assert data is not None
        if service_id == rpn.SERVICE_ID and rpn.parse_request(data).recipient_iin is not None:
            self.sync_calls.append((service_id, data, None))
            return SyncReply(attachment_answer(data))
        if service_id == h2.SCHEDULE_SERVICE_ID:
            self.sync_calls.append((service_id, data, None))
            if service_id in self.fail_sync:
                raise self.fail_sync[service_id]
            return SyncReply(schedule_answer(data, self.taken))
        return await super().send_sync(service_id, data)

    def requests_of(self, service_id: str) -> list[etree._Element]:
        return [data for called, data, _ in self.sync_calls if called == service_id]


def attachment_answer(request: etree._Element) -> etree._Element:
    asked = rpn.parse_request(request)
    attached = ATTACHED.get(asked.recipient_iin or "")
    if attached is None:
        return rpn.build_response(asked.request_number, [])
    code, section, since = attached
    everything = rpn.parse_response(rpn_answer(rpn.build_request(request_number=asked.request_number)))
    organisation = next(org for org in everything.organisations if org.code == code)
    return rpn.build_response(
        asked.request_number,
        [
            rpn.OrganisationInfo(
                **{
                    name: getattr(organisation, name)
                    for name in (
                        "code",
                        "bin",
                        "name_ru",
                        "name_kk",
                        "address_ru",
                        "address_kk",
                        "region_code",
                        "locality_code",
                        "sections",
                    )
                },
                attached_section=section,
                attached_from=since,
            )
        ],
    )


def schedule_answer(request: etree._Element, taken: set[datetime]) -> etree._Element:
    asked = h2.parse_schedule_request(request)
    today = now().astimezone(KZ_TZ).date()
    date_from = asked.date_from or today
    date_to = asked.date_to or today + timedelta(days=13)
    doctors = [h2.ScheduledDoctor(doctor, tuple(free_slots(date_from, date_to, taken))) for doctor in DOCTORS]
    return h2.build_schedule_response(
        asked.request_number, asked.organisation_code, date_from, date_to, doctors
    )


# --- РПН's answers ---------------------------------------------------------------------------------
def _status(
    application_id: str, number: str, status: str, message: h2.Bilingual, **extra: Any
) -> etree._Element:
    return h2.build_status(
        h2.AppointmentStatus(
            application_id=application_id,
            registration_number=number,
            status=status,
            status_at=now(),
            message=message,
            **extra,
        )
    )


def registered(application_id: str, number: str = "RPN-2025-000042") -> etree._Element:
    return _status(
        application_id, number, "REGISTERED", h2.Bilingual("Запрос зарегистрирован", "Сұраныс тіркелді")
    )


def cancelled(application_id: str, number: str = "RPN-2025-000042") -> etree._Element:
    message = h2.Bilingual("Запись A-2025-000007 отменена", "A-2025-000007 жазбасы жойылды")
    return _status(application_id, number, "CANCELLED", message, booking_number="A-2025-000007")


def appointment(
    application_id: str,
    slot_start: datetime,
    signer: KeyPair,
    *,
    number: str = "RPN-2025-000042",
    iin: str = ADULT,
) -> etree._Element:
    element = h2.build_appointment(
        h2.Appointment(
            booking_number="A-2025-000007",
            channel="portal",
            recipient_iin=iin,
            recipient_full_name="Ахметов Ерлан Серікович",
            organisation=h1_org(ORGANISATION),
            doctor=THERAPIST,
            slot_start=slot_start,
            slot_end=slot_start + timedelta(minutes=20),
            issued_at=now(),
            registration_number=number,
            application_id=application_id,
        )
    )
    return h2.sign_with(element, signer)


def slot_taken(application_id: str, signer: KeyPair, *, number: str = "RPN-2025-000042") -> etree._Element:
    ground = h1.Ground(
        "SLOT_TAKEN",
        "Выбранное время приема врача уже занято (не является свободным по графику приема врача)",
        "Дәрігердің таңдалған қабылдау уақыты бос емес (кестеге сәйкес бос уақыт емес)",
    )
    details = h1.Bilingual("Время уже занято", "Уақыт бос емес")
    return support.refusal(
        application_id,
        number,
        signer,
        ground=ground,
        details=details,
        organisation=h1_org(ORGANISATION),
        build=h2.build_refusal,
    )


def context_for(message_type: str, correlation_id: str | None) -> ShepContext:
    return context(message_type, correlation_id, h2.SHEP_SERVICE_ID)


#: What the portal's queue consumer does with РПН's UPDATE or RESPONSE on RPN_Appointment.
deliver = partial(support.deliver, service_id=h2.SHEP_SERVICE_ID)
