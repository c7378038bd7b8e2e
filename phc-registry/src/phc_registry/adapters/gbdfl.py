"""ГБД ФЛ through ШЭП: ``GBDFL_UniversalServiceSync`` asked by РПН (contracts/gbdfl/gbdfl.xsd).

РПН is a client of ГБД ФЛ like any other system: it builds the request body with the kit's
:mod:`egov_kit.documents.gbdfl`, sends it through the gateway with its own ШЭП client and reads
the answer there (checked against the contract). Here the kit's reading becomes РПН's own
:class:`~phc_registry.domain.model.PersonLookup`: names, birth date, life status and the address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from egov_kit.documents import gbdfl
from egov_kit.shep.codes import SchemaViolation
from lxml import etree

from phc_registry.domain.model import Address, LookupStatus, Person, PersonLookup

VALID_DOCUMENT_STATUS = "1"  # ГБД ФЛ's document status dictionary: 1 valid, 2 expired, 3 lost …

_STATUS: dict[gbdfl.LookupResult, LookupStatus] = {
    gbdfl.LookupResult.FOUND: "found",
    gbdfl.LookupResult.NOT_FOUND: "absent",
    gbdfl.LookupResult.DECEASED: "deceased",
}


def _address(address: gbdfl.Address) -> Address:
    return Address(
        region=address.region.code,
        locality=address.locality.code,
        street_ru=address.street_ru,
        street_kk=address.street_kk,
        full_ru=address.full_ru,
        full_kk=address.full_kk,
    )


def to_person(person: gbdfl.Person) -> Person:
    return Person(
        iin=person.iin,
        surname=person.surname,
        name=person.name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        deceased=person.deceased,
        death_date=person.death_date,
        address=_address(person.address) if person.address is not None else None,
        gender_ru=person.gender.name_ru,
        gender_kk=person.gender.name_kk,
        identity_document_valid=_document_valid(person),
    )


def _document_valid(person: gbdfl.Person) -> bool | None:
    """Whether ГБД ФЛ lists a valid identity document (status 1); None when it lists none."""
    if not person.documents:
        return None
    return any(document.status.code == VALID_DOCUMENT_STATUS for document in person.documents)


def to_lookup(iin: str, answer: gbdfl.PersonLookup) -> PersonLookup:
    """РПН's view of the kit's reading: found, absent or deceased (an invalid request is an error)."""
    status = _STATUS.get(answer.result)
    if status is None:
        raise SchemaViolation(
            f"ГБД ФЛ ответила {answer.code} об ИИН {iin} / "
            f"ЖТ ММБ {iin} ЖСН туралы {answer.code} деп жауап берді"
        )
    person = to_person(answer.person) if answer.person is not None else None
    return PersonLookup(iin, status, person, answer.message_ru, answer.message_kk)


class SyncSender(Protocol):
    """What РПН needs of a ШЭП client here (``egov_kit.shep.client.ShepClient`` is one)."""

    async def send_sync(self, service_id: str, data: etree._Element | None) -> Any: ...


class ShepPersonRegistry:
    """ГБД ФЛ asked through ШЭП with the client ``client()`` gives (resolved per call)."""

    def __init__(
        self, client: Callable[[], SyncSender], *, requestor_bin: str, purpose: str | None = None
    ) -> None:
        self._client = client
        self.requestor_bin = requestor_bin
        self.purpose = purpose

    async def lookup(self, iin: str) -> PersonLookup:
        sender: SyncSender = self._client()
        reply = await sender.send_sync(
            gbdfl.SERVICE_ID,
            gbdfl.build_request(iin, requestor_bin=self.requestor_bin, purpose=self.purpose),
        )
        return to_lookup(iin, gbdfl.parse_response(reply.data))
