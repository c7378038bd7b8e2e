"""Condition 3 of H1 (seed 000 §10 10)): does the application meet the grounds for the service?

Checked in this order, the first violation found is the ground of the refusal:

1. ГБД ФЛ knows the person (``NOT_IN_GBDFL``) and the person is alive (``DECEASED``);
2. the names in the application are ГБД ФЛ's (``UNRELIABLE_DATA``);
3. the organisation exists, and the chosen section is one of its own (``UNRELIABLE_DATA``);
4. the organisation serves the recipient's registered address (``OUT_OF_SERVICE_AREA``);
5. the recipient is not attached to this organisation already (``ALREADY_ATTACHED``).

The signature is checked before, by the service layer (``SIGNATURE_NOT_CONFIRMED``).
"""

from __future__ import annotations

from dataclasses import dataclass

from egov_kit.documents.h1 import Application, Recipient

from phc_registry.domain import grounds as g
from phc_registry.domain.errors import UnknownSection
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import (
    AttachmentHistory,
    MedicalOrganisation,
    Person,
    PersonLookup,
    Section,
    StaffMember,
)


@dataclass(frozen=True, slots=True)
class Accepted:
    """No violation: attach to ``section`` (its doctor, when the organisation has one for it)."""

    organisation: MedicalOrganisation
    section: Section
    doctor: StaffMember | None


def _same(left: str | None, right: str | None) -> bool:
    def norm(value: str | None) -> str:
        return (value or "").strip().casefold().replace("ё", "е")

    return norm(left) == norm(right)


def same_names(recipient: Recipient, person: Person) -> bool:
    """The names of a request (H1, H3) are the person's in ГБД ФЛ (a patronymic when both have one;
    case, spaces and ё/е aside)."""
    names_match = _same(recipient.surname, person.surname) and _same(recipient.name, person.name)
    if recipient.patronymic and person.patronymic:
        names_match = names_match and _same(recipient.patronymic, person.patronymic)
    return names_match


def deceased(ground: str, iin: str, person: Person) -> Violation:
    """The ground ``ground``: ГБД ФЛ says the person died (and when, if it knows)."""
    when = f" {person.death_date:%d.%m.%Y}" if person.death_date else ""
    return Violation(
        ground,
        f"По данным ГБД ФЛ лицо с ИИН {iin} умерло{when}",
        f"ЖТ ММБ деректері бойынша ЖСН {iin} тұлғасы{when} қайтыс болған",
    )


def check_application(
    application: Application,
    lookup: PersonLookup,
    organisation: MedicalOrganisation | None,
    history: AttachmentHistory,
) -> Violation | Accepted:
    iin = application.recipient.iin
    if lookup.status == "absent" or lookup.person is None:
        return Violation(
            g.NOT_IN_GBDFL,
            f"По ИИН {iin} сведения в ГБД ФЛ отсутствуют",
            f"ЖСН {iin} бойынша ЖТ ММБ-да мәліметтер жоқ",
        )
    person = lookup.person
    if lookup.status == "deceased":
        return deceased(g.DECEASED, iin, person)
    recipient = application.recipient
    if not same_names(recipient, person):
        return Violation(
            g.UNRELIABLE_DATA,
            f"ФИО в заявлении ({recipient.full_name}) не совпадает с ГБД ФЛ ({person.full_name})",
            f"Өтініштегі аты-жөні ({recipient.full_name}) ЖТ ММБ-ға ({person.full_name}) сәйкес келмейді",
        )
    code = application.organisation_code
    if organisation is None:
        return Violation(
            g.UNRELIABLE_DATA,
            f"Медицинская организация с кодом {code} не найдена в РПН",
            f"{code} кодты медициналық ұйым БХТ-да табылмады",
        )
    address = person.address
    if address is None or not organisation.serves(address):
        where_ru = address.full_ru if address is not None else "адрес регистрации не указан"
        where_kk = address.full_kk if address is not None else "тіркелген мекенжайы көрсетілмеген"
        return Violation(
            g.OUT_OF_SERVICE_AREA,
            f"{organisation.name_ru} не обслуживает адрес регистрации услугополучателя ({where_ru})",
            f"{organisation.name_kk} көрсетілетін қызметті алушының тіркелген мекенжайына ({where_kk}) "
            "қызмет көрсетпейді",
        )
    if application.section_number:
        try:
            section = organisation.section(application.section_number)
        except UnknownSection:
            return Violation(
                g.UNRELIABLE_DATA,
                f"Участок {application.section_number} не относится к {organisation.name_ru}",
                f"{application.section_number} учаскесі {organisation.name_kk} құрамына кірмейді",
            )
    else:
        chosen = organisation.serving_section(address)
        assert chosen is not None  # organisation.serves(address) holds
        section = chosen
    current = history.active
    if current is not None and current.organisation == organisation.code:
        return Violation(
            g.ALREADY_ATTACHED,
            f"Услугополучатель прикреплён к {organisation.name_ru} с {current.attached_from:%d.%m.%Y} "
            f"(участок {current.section})",
            f"Көрсетілетін қызметті алушы {current.attached_from:%d.%m.%Y} бастап {organisation.name_kk} "
            f"ұйымына бекітілген ({current.section} учаске)",
        )
    return Accepted(organisation, section, organisation.doctor_of(section.number))
