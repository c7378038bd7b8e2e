"""ГБД ФЛ through ШЭП: the kit's ``GBDFL_UniversalServiceSync`` client, mapped to the portal's record.

Building the request and reading the answer (checked against ``contracts/gbdfl/gbdfl.xsd``) is
:mod:`egov_kit.documents.gbdfl`; here the person becomes the portal's :class:`PersonRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass

from egov_kit.documents import gbdfl
from lxml import etree

from egov_portal.domain.model import LifeStatus, PersonRecord


@dataclass(frozen=True)
class PersonAnswer:
    """ГБД ФЛ's answer as the kit reads it, and the person as the portal keeps it (when found)."""

    lookup: gbdfl.PersonLookup
    person: PersonRecord | None


def to_record(person: gbdfl.Person) -> PersonRecord:
    address = person.address
    return PersonRecord(
        iin=person.iin,
        surname=person.surname,
        name=person.name,
        patronymic=person.patronymic,
        life_status=LifeStatus.DECEASED if person.deceased else LifeStatus.ALIVE,
        region=address.region if address is not None else None,
        locality=address.locality if address is not None else None,
        address_ru=address.full_ru if address is not None else None,
        address_kk=address.full_kk if address is not None else None,
    )


def read_answer(data: etree._Element | None) -> PersonAnswer:
    """Read a ``response`` (SCHEMA_VIOLATION when there is none or it breaks the contract)."""
    lookup = gbdfl.parse_response(data)
    return PersonAnswer(lookup, to_record(lookup.person) if lookup.person is not None else None)
