"""JSON shapes of the notary API and their mapping to and from the domain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from enis_mock.domain.model import ALL_SERVICES, Notary, PowerOfAttorney
from enis_mock.domain.results import status_at


class NotaryModel(BaseModel):
    full_name: str = Field(min_length=1, max_length=300, examples=["Тлеуова Гульмира Сериковна"])
    licence_number: str = Field(min_length=1, max_length=100, examples=["0001847 от 14.05.2009"])
    office_id: str = Field(
        max_length=20,
        description="БИН of the notary office or ИИН of a private notary",
        examples=["750214491019"],
    )


class StatusOut(BaseModel):
    code: str
    name_ru: str
    name_kz: str


class PowerOfAttorneyIn(BaseModel):
    number: str | None = Field(
        None,
        max_length=50,
        pattern=r"^[0-9A-Za-zА-Яа-яЁё/\-]+$",
        description="registry number; default: the next POA-<year>-<serial>",
    )
    principal_iin: str = Field(max_length=20, examples=["480509490641"])
    representative_iin: str = Field(max_length=20, examples=["801017390711"])
    notary: NotaryModel
    issue_date: date
    valid_until: date
    scope: list[str] = Field(
        default_factory=lambda: [ALL_SERVICES], description='service codes, or ["ALL"] for every service'
    )
    scope_text: str | None = Field(None, max_length=1000)

    def to_domain(self, number: str) -> PowerOfAttorney:
        return PowerOfAttorney(
            number=number,
            principal_iin=self.principal_iin,
            representative_iin=self.representative_iin,
            notary=Notary(self.notary.full_name, self.notary.licence_number, self.notary.office_id),
            issue_date=self.issue_date,
            valid_until=self.valid_until,
            scope=tuple(code.strip() for code in self.scope),
            scope_text=self.scope_text,
        )


class RevokeIn(BaseModel):
    reason: str | None = Field(None, max_length=500)


class PowerOfAttorneyOut(BaseModel):
    number: str
    principal_iin: str
    representative_iin: str
    notary: NotaryModel
    issue_date: date
    valid_until: date
    scope: list[str]
    scope_text: str | None = None
    status: StatusOut
    revoked: bool
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @classmethod
    def of(cls, power: PowerOfAttorney, moment: datetime) -> PowerOfAttorneyOut:
        status = status_at(power, moment)
        return cls(
            number=power.number,
            principal_iin=power.principal_iin,
            representative_iin=power.representative_iin,
            notary=NotaryModel(
                full_name=power.notary.full_name,
                licence_number=power.notary.licence_number,
                office_id=power.notary.office_id,
            ),
            issue_date=power.issue_date,
            valid_until=power.valid_until,
            scope=list(power.scope),
            scope_text=power.scope_text,
            status=StatusOut(code=status.code, name_ru=status.name_ru, name_kz=status.name_kz),
            revoked=power.revoked_at is not None,
            revoked_at=power.revoked_at,
            revocation_reason=power.revocation_reason,
        )
