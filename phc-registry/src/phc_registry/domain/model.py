"""РПН's model: medical organisations, their sections and staff, persons and their attachments.

Pure rules, no I/O. Places use ГБД ФЛ's codes (region ``RR0000000``, locality ``RRDDLL000``), so
whether an organisation serves a recipient is decided from the recipient's regAddress as ГБД ФЛ
gives it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Literal

from egov_kit.documents.records import Street, full_name

from phc_registry.domain.errors import AlreadyAttached, UnknownSection


def _same(left: str | None, right: str | None) -> bool:
    return left is not None and right is not None and left.strip().casefold() == right.strip().casefold()


@dataclass(frozen=True, slots=True)
class Locality:
    code: str
    region: str
    name_ru: str
    name_kk: str


@dataclass(frozen=True, slots=True)
class Address:
    """What РПН's service area reads of a registered address (ГБД ФЛ's regAddress).

    The region and the locality by their codes (as sections name them) and the street by its names:
    a projection of the kit's :class:`~egov_kit.documents.records.Address`, made by the ГБД ФЛ
    adapter and kept in the workstation's session.
    """

    region: str
    locality: str
    street_ru: str | None = None
    street_kk: str | None = None
    full_ru: str = ""
    full_kk: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    """A person as ГБД ФЛ answers about them, as far as РПН's rules read it.

    A projection of the kit's :class:`~egov_kit.documents.records.Person`: the names, the birth and
    death, and the address as the service area reads it (:class:`Address`).
    """

    iin: str
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    deceased: bool = False
    death_date: date | None = None
    address: Address | None = None
    gender_ru: str | None = None  # ГБД ФЛ's gender dictionary (H3: the card 069/у names the sex)
    gender_kk: str | None = None
    # H3 (UNRELIABLE_DATA): False when ГБД ФЛ lists identity documents and none is valid on its day
    identity_document_valid: bool | None = None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)


@dataclass(frozen=True, slots=True)
class Section:
    """A territorial section (участок): one locality, all of it (no streets) or the listed streets."""

    number: str
    name_ru: str
    name_kk: str
    locality: Locality
    streets: tuple[Street, ...] = ()

    def serves(self, address: Address) -> bool:
        if address.locality != self.locality.code:
            return False
        if not self.streets:
            return True
        return any(
            _same(street.name_ru, address.street_ru) or _same(street.name_kk, address.street_kk)
            for street in self.streets
        )

    def lists_street(self, address: Address) -> bool:
        return bool(self.streets) and self.serves(address)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """An employee: doctors (with their section), registrars, the head who signs the results."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    organisation: str
    position_ru: str
    position_kk: str
    section: str | None = None  # a doctor's section
    authorised: bool = False  # signs talons and refusals (employee certificate, right_of_signature)

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)

    @property
    def is_doctor(self) -> bool:
        return self.section is not None


@dataclass(frozen=True, slots=True)
class MedicalOrganisation:
    code: str
    bin: str
    name_ru: str
    name_kk: str
    address_ru: str
    address_kk: str
    locality: Locality
    sections: tuple[Section, ...]
    staff: tuple[StaffMember, ...] = ()

    @property
    def region(self) -> str:
        return self.locality.region

    def name(self, lang: str) -> str:
        return self.name_kk if lang == "kk" else self.name_ru

    def section(self, number: str) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise UnknownSection(
            f"Участок {number} не найден в {self.name_ru} / {self.name_kk}: {number} учаскесі табылмады",
            data=number,
        )

    def serves(self, address: Address) -> bool:
        return any(section.serves(address) for section in self.sections)

    def serves_locality(self, locality: str) -> bool:
        return any(section.locality.code == locality for section in self.sections)

    def serving_section(self, address: Address) -> Section | None:
        """The section for an address: one listing its street first, then one serving the whole locality."""
        serving = [section for section in self.sections if section.serves(address)]
        listed = [section for section in serving if section.streets]
        found = listed or serving
        return found[0] if found else None

    def doctor_of(self, section: str) -> StaffMember | None:
        return next((member for member in self.staff if member.section == section), None)

    @property
    def authorised_person(self) -> StaffMember:
        return next(member for member in self.staff if member.authorised)

    def member(self, iin: str) -> StaffMember | None:
        return next((member for member in self.staff if member.iin == iin), None)


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment of a person to an organisation's section; active while ``detached_on`` is None."""

    iin: str
    organisation: str
    section: str
    doctor: str
    attached_from: date
    detached_on: date | None = None
    registration_number: str | None = None
    talon_number: str | None = None
    application_id: str | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.detached_on is None


@dataclass
class AttachmentHistory:
    """Every attachment of one person: at most one active; a new attachment closes the previous one."""

    iin: str
    attachments: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        if sum(1 for item in self.attachments if item.active) > 1:
            raise ValueError(f"{self.iin} has more than one active attachment")

    @property
    def active(self) -> Attachment | None:
        return next((item for item in self.attachments if item.active), None)

    def check_new(self, organisation: str) -> None:
        """``ALREADY_ATTACHED`` when the person is attached to ``organisation`` now."""
        current = self.active
        if current is not None and current.organisation == organisation:
            raise AlreadyAttached(
                f"ИИН {self.iin} уже прикреплён к этой организации (участок {current.section}, "
                f"с {current.attached_from:%d.%m.%Y}) / ЖСН {self.iin} осы ұйымға бекітілген "
                f"({current.section} учаске, {current.attached_from:%d.%m.%Y} бастап)",
                data=current.organisation,
            )

    def attach(self, new: Attachment) -> Attachment | None:
        """Add ``new`` (active); close the active one the day the new one starts. Returns the closed one."""
        if new.iin != self.iin or not new.active:
            raise ValueError("a new attachment must be active and about this person")
        self.check_new(new.organisation)
        closed: Attachment | None = None
        current = self.active
        if current is not None:
            closed = replace(current, detached_on=new.attached_from)
            self.attachments[self.attachments.index(current)] = closed
        self.attachments.append(new)
        return closed


LookupStatus = Literal["found", "absent", "deceased"]


@dataclass(frozen=True, slots=True)
class PersonLookup:
    """ГБД ФЛ's answer about an ИИН (seed 002 table 2 step 3): found, absent or deceased."""

    iin: str
    status: LookupStatus
    person: Person | None = None
    message_ru: str = ""
    message_kk: str = ""


def person_json(person: Person) -> dict[str, Any]:
    """A person as JSON (kept with an H3 request and in the workstation's session)."""
    data = asdict(person)
    data["birth_date"] = person.birth_date.isoformat()
    data["death_date"] = person.death_date.isoformat() if person.death_date else None
    return data


def person_of(data: dict[str, Any]) -> Person | None:
    """The person of :func:`person_json` (None for an empty mapping)."""
    if not data:
        return None
    address = data.get("address")
    return Person(
        **{
            **data,
            "birth_date": date.fromisoformat(data["birth_date"]),
            "death_date": date.fromisoformat(data["death_date"]) if data.get("death_date") else None,
            "address": Address(**address) if address else None,
        }
    )


def lookup_json(found: PersonLookup) -> dict[str, Any]:
    """A look-up as JSON (the workstation's session keeps it for the form of step 5)."""
    return {
        "status": found.status,
        "message_ru": found.message_ru,
        "message_kk": found.message_kk,
        "person": person_json(found.person) if found.person is not None else None,
    }


def lookup_of(iin: str, data: dict[str, Any]) -> PersonLookup:
    """The look-up of :func:`lookup_json`."""
    person = person_of(data.get("person") or {})
    return PersonLookup(iin, data["status"], person, data.get("message_ru", ""), data.get("message_kk", ""))
