"""JSON shapes of the admin API and their mapping to and from the domain."""

from __future__ import annotations

from datetime import date

from egov_kit.identifiers import validate_iin
from pydantic import BaseModel, Field

from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.errors import AddressMismatch
from gbd_fl_mock.domain.model import Address, BirthPlace, Disability, IdentityDocument, Person, gender_of
from gbd_fl_mock.domain.test_persons import TestPerson


# -- out -------------------------------------------------------------------------------------------
class DictValueOut(BaseModel):
    code: str
    name_ru: str
    name_kz: str

    @classmethod
    def of(cls, value: d.DictValue) -> DictValueOut:
        return cls(code=value.code, name_ru=value.name_ru, name_kz=value.name_kz)


class LifeStatusOut(DictValueOut):
    death_date: date | None = None


class BilingualOut(BaseModel):
    name_ru: str
    name_kz: str


class DisabilityOut(BaseModel):
    group: DictValueOut
    begin_date: date
    end_date: date | None = None


class BirthPlaceOut(BaseModel):
    country: DictValueOut
    region: DictValueOut | None = None
    city: DictValueOut | None = None


class AddressOut(BaseModel):
    country: DictValueOut
    region: DictValueOut
    district: DictValueOut | None = None
    city: DictValueOut
    street: BilingualOut | None = None
    building: str | None = None
    flat: str | None = None
    full_address: BilingualOut
    registration_date: date


class DocumentOut(BaseModel):
    type: DictValueOut
    number: str
    begin_date: date
    end_date: date | None = None
    issue_organization: DictValueOut
    status: DictValueOut


class PersonOut(BaseModel):
    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    birth_date: date
    gender: DictValueOut
    nationality: DictValueOut
    citizenship: DictValueOut
    life_status: LifeStatusOut
    capable_status: DictValueOut
    disability: DisabilityOut | None = None
    birth_place: BirthPlaceOut
    reg_address: AddressOut | None = None
    documents: list[DocumentOut]

    @classmethod
    def of(cls, person: Person, today: date) -> PersonOut:
        life = d.LIFE_STATUSES[person.life_status]
        address = person.reg_address
        reg: AddressOut | None = None
        if address is not None:
            place = address.place
            reg = AddressOut(
                country=DictValueOut.of(d.COUNTRIES[d.KAZAKHSTAN]),
                region=DictValueOut.of(geo.REGIONS[place.region].value),
                district=DictValueOut.of(geo.DISTRICTS[place.district].value) if place.district else None,
                city=DictValueOut.of(place.value),
                street=BilingualOut(name_ru=address.street_ru, name_kz=address.street_kz)
                if address.street_ru and address.street_kz
                else None,
                building=address.building,
                flat=address.flat,
                full_address=BilingualOut(name_ru=address.full_ru(), name_kz=address.full_kz()),
                registration_date=address.registration_date,
            )
        birth = person.birth_place
        return cls(
            iin=person.iin,
            surname=person.surname,
            name=person.name,
            patronymic=person.patronymic,
            birth_date=person.birth_date,
            gender=DictValueOut.of(d.GENDERS[person.gender]),
            nationality=DictValueOut.of(d.NATIONALITIES[person.nationality]),
            citizenship=DictValueOut.of(d.COUNTRIES[person.citizenship]),
            life_status=LifeStatusOut(
                code=life.code, name_ru=life.name_ru, name_kz=life.name_kz, death_date=person.death_date
            ),
            capable_status=DictValueOut.of(d.CAPABLE_STATUSES[person.capable_status_on(today)]),
            disability=None
            if person.disability is None
            else DisabilityOut(
                group=DictValueOut.of(d.DISABILITY_GROUPS[person.disability.group]),
                begin_date=person.disability.begin_date,
                end_date=person.disability.end_date,
            ),
            birth_place=BirthPlaceOut(
                country=DictValueOut.of(d.COUNTRIES[birth.country]),
                region=DictValueOut.of(geo.REGION_DICTIONARY[birth.region]) if birth.region else None,
                city=DictValueOut.of(geo.LOCALITY_DICTIONARY[birth.locality]) if birth.locality else None,
            ),
            reg_address=reg,
            documents=[
                DocumentOut(
                    type=DictValueOut.of(d.DOCUMENT_TYPES[doc.type]),
                    number=doc.number,
                    begin_date=doc.begin_date,
                    end_date=doc.end_date,
                    issue_organization=DictValueOut.of(d.ISSUERS[doc.issuer]),
                    status=DictValueOut.of(d.DOCUMENT_STATUSES[doc.status_on(today)]),
                )
                for doc in person.documents
            ],
        )


class PersonPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[PersonOut]


class TestPersonOut(BaseModel):
    archetype: str
    iin: str
    full_name: str | None = Field(None, description="None for the ИИН absent from the register")
    region: DictValueOut | None = None
    city: DictValueOut | None = None
    in_register: bool
    purpose_en: str
    purpose_ru: str
    purpose_kz: str

    __test__ = False  # not a pytest test class

    @classmethod
    def of(cls, entry: TestPerson) -> TestPersonOut:
        person = entry.person
        address = person.reg_address if person else None
        return cls(
            archetype=entry.archetype,
            iin=entry.iin,
            full_name=person.full_name if person else None,
            region=DictValueOut.of(geo.REGIONS[address.region].value) if address else None,
            city=DictValueOut.of(address.place.value) if address else None,
            in_register=person is not None,
            purpose_en=entry.purpose_en,
            purpose_ru=entry.purpose_ru,
            purpose_kz=entry.purpose_kz,
        )


class DictionaryOut(BaseModel):
    name: str
    values: list[DictValueOut]


# -- in --------------------------------------------------------------------------------------------
class BirthPlaceIn(BaseModel):
    country: str = Field(d.KAZAKHSTAN, description="country code (ISO 3166 numeric)")
    region: str | None = Field(None, description="region code")
    locality: str | None = Field(None, description="locality code")


class AddressIn(BaseModel):
    locality: str = Field(
        description="locality code (see GET /admin/dictionaries); region and district follow"
    )
    region: str | None = Field(None, description="optional; must be the locality's region")
    district: str | None = Field(None, description="optional; must be the locality's district")
    street_ru: str | None = Field(None, max_length=200, examples=["ул. Абая"])
    street_kz: str | None = Field(None, max_length=200, examples=["Абай көшесі"])
    building: str | None = Field(None, max_length=20)
    flat: str | None = Field(None, max_length=20)
    registration_date: date | None = Field(None, description="default: today")


class DocumentIn(BaseModel):
    type: str = Field(
        description="document type code: 001 passport, 002 ID card, 003 birth certificate, "
        "004 residence permit"
    )
    number: str = Field(min_length=1, max_length=20)
    begin_date: date
    end_date: date | None = None
    issuer: str | None = Field(None, description="issuing organisation code; default by document type")
    status: str = Field(
        d.DOC_VALID, description="1 valid, 3 lost, 4 replaced, 5 void (death); expiry is computed"
    )


class DisabilityIn(BaseModel):
    group: str
    begin_date: date
    end_date: date | None = None


class PersonIn(BaseModel):
    iin: str = Field(max_length=20, examples=["990101350019"])
    surname: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    patronymic: str | None = Field(None, max_length=100)
    birth_date: date
    gender: str | None = Field(None, description="1 male, 2 female; default: from ИИН digit 7")
    citizenship: str = d.KAZAKHSTAN
    nationality: str = d.KAZAKH
    death_date: date | None = None
    capable_status: str = d.CAPABLE
    birth_place: BirthPlaceIn | None = Field(None, description="default: the registered locality")
    reg_address: AddressIn | None = None
    documents: list[DocumentIn] = Field(default_factory=list)
    disability: DisabilityIn | None = None

    def to_domain(self, today: date) -> Person:
        validate_iin(self.iin)
        address: Address | None = None
        if self.reg_address is not None:
            given = self.reg_address
            geo.LOCALITY_DICTIONARY[given.locality]  # UNKNOWN_DICTIONARY_CODE
            place = geo.LOCALITIES.get(given.locality)
            if place is None:
                raise AddressMismatch(
                    "Адрес регистрации должен быть в Казахстане / Тіркеу мекенжайы Қазақстанда болуы керек",
                    data="regAddress",
                )
            if (given.region and given.region != place.region) or (
                given.district and given.district != place.district
            ):
                raise AddressMismatch(
                    "Населённый пункт не находится в указанном регионе или районе / "
                    "Елді мекен көрсетілген өңірде немесе ауданда емес",
                    data="regAddress",
                )
            address = Address(
                given.locality,
                given.street_ru,
                given.street_kz,
                given.building,
                given.flat,
                given.registration_date or today,
            )
        if self.birth_place is not None:
            birth = BirthPlace(self.birth_place.country, self.birth_place.region, self.birth_place.locality)
        elif address is not None:
            birth = BirthPlace(d.KAZAKHSTAN, address.region, address.locality)
        else:
            birth = BirthPlace(d.KAZAKHSTAN)
        documents = tuple(
            IdentityDocument(
                doc.type,
                doc.number,
                doc.begin_date,
                doc.end_date,
                doc.issuer
                or (d.CIVIL_REGISTRY if doc.type == d.BIRTH_CERTIFICATE else d.MINISTRY_OF_INTERNAL_AFFAIRS),
                doc.status,
            )
            for doc in self.documents
        )
        return Person(
            iin=self.iin,
            surname=self.surname.strip(),
            name=self.name.strip(),
            patronymic=self.patronymic.strip() if self.patronymic else None,
            birth_date=self.birth_date,
            gender=self.gender or gender_of(self.iin) or d.MALE,
            citizenship=self.citizenship,
            nationality=self.nationality,
            death_date=self.death_date,
            capable_status=self.capable_status,
            birth_place=birth,
            reg_address=address,
            documents=documents,
            disability=None
            if self.disability is None
            else Disability(self.disability.group, self.disability.begin_date, self.disability.end_date),
        )
