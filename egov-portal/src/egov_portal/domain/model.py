"""The portal's model: registered users, sessions, applications and their status history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from egov_kit.documents.records import DictValue, full_name


class LifeStatus(StrEnum):
    ALIVE = "alive"
    DECEASED = "deceased"


@dataclass(frozen=True)
class PersonRecord:
    """What the portal keeps of a person's ГБД ФЛ record (fetched through ШЭП).

    A subset of the kit's :class:`~egov_kit.documents.records.Person`, kept with the user: the
    region and the locality are ГБД ФЛ's dictionary values as the kit reads them.
    """

    iin: str
    surname: str
    name: str
    patronymic: str | None
    life_status: LifeStatus
    region: DictValue | None = None
    locality: DictValue | None = None
    address_ru: str | None = None
    address_kk: str | None = None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)


@dataclass
class User:
    iin: str
    password_hash: str
    phone: str
    person: PersonRecord
    registered_at: datetime
    person_checked_at: datetime
    failed_logins: int = 0
    locked_until: datetime | None = None


@dataclass
class Session:
    """A server-side session; ``token_hash`` is what the database keeps of the cookie's value."""

    token_hash: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_iin: str | None = None
    traceparent: str | None = None


@dataclass(frozen=True)
class Organisation:
    """A medical organisation (PHC) from РПН's RPN_MedicalOrganizationsSync."""

    code: str
    name_ru: str
    name_kk: str
    address_ru: str = ""
    address_kk: str = ""
    bin: str = ""
    region_code: str = ""
    locality_code: str = ""


class ApplicationStatus(StrEnum):
    DRAFT = "draft"  # built, waiting for the recipient's signature
    SUBMITTED = "submitted"  # signature posted, condition 2 under way
    SENT = "sent"  # process 5 done: accepted by ШЭП for the provider
    REGISTERED = "registered"  # process 6 at the provider: a number was assigned (UPDATE)
    DONE = "done"  # process 8: the signed result (talon) arrived (RESPONSE)
    REFUSED = "refused"  # process 4 (condition 2) or process 7 (provider's motivated refusal)
    FAILED = "failed"  # ШЭП did not accept the request
    CANCELLED = "cancelled"  # H2: the recipient cancelled the booked appointment (РПН freed the slot)

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def final(self) -> bool:
        return self in (
            ApplicationStatus.DONE,
            ApplicationStatus.REFUSED,
            ApplicationStatus.FAILED,
            ApplicationStatus.CANCELLED,
        )


_RANK = {
    ApplicationStatus.DRAFT: 0,
    ApplicationStatus.SUBMITTED: 1,
    ApplicationStatus.FAILED: 2,
    ApplicationStatus.SENT: 2,
    ApplicationStatus.REGISTERED: 3,
    ApplicationStatus.DONE: 4,
    ApplicationStatus.REFUSED: 4,
    ApplicationStatus.CANCELLED: 5,  # only after done
}


@dataclass(frozen=True)
class Reason:
    """Why something was refused: a stable code and the text in both languages."""

    code: str
    ru: str
    kk: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "ru": self.ru, "kk": self.kk}


@dataclass(frozen=True)
class StatusEvent:
    status: ApplicationStatus
    at: datetime
    step: str | None = None  # the regulation's step ("condition 2", "process 6", …)
    number: str | None = None  # the provider's registration number
    reason: Reason | None = None
    message_id: str | None = None


class ResultKind(StrEnum):
    """What kind of result document the provider sent (each service names its own)."""

    TALON = "talon"  # H1
    APPOINTMENT = "appointment"  # H2
    CARD = "card"  # H3
    REFUSAL = "refusal"  # the motivated refusal of any service


@dataclass
class Result:
    """The provider's signed result document, exactly as received, and what its signature showed."""

    kind: ResultKind
    xml: str
    received_at: datetime
    fields: dict[str, object] = field(default_factory=dict)
    signature_valid: bool = False
    signature_error: str | None = None
    signer: str | None = None


@dataclass
class Application:
    application_id: str
    service_id: str
    user_iin: str
    status: ApplicationStatus
    created_at: datetime
    organisation: Organisation
    reason: str
    unsigned_xml: str
    signed_xml: str | None = None
    message_id: str | None = None
    registration_number: str | None = None
    traceparent: str | None = None
    refusal: Reason | None = None
    refusal_step: str | None = None
    result: Result | None = None
    history: list[StatusEvent] = field(default_factory=list)
    # What the service's own form adds (H2: doctor and slot; H3: diagnosis, attachment, consent,
    # confirmation by EDS or one-time password); JSON-serialisable, owned by that service's module.
    details: dict[str, Any] = field(default_factory=dict)

    def record(self, event: StatusEvent) -> None:
        """Add ``event`` to the history; the status only moves forward (UPDATE may come late)."""
        self.history.append(event)
        if event.number is not None:
            self.registration_number = event.number
        if event.status.rank >= self.status.rank:
            self.status = event.status
