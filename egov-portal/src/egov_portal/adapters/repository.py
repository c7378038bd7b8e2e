"""Repositories of egov-portal over one SQL session (used through the unit of work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from egov_kit.documents.records import DictValue
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from egov_portal.adapters.orm import ApplicationEventRow, ApplicationRow, SessionRow, UserRow
from egov_portal.domain.model import (
    Application,
    ApplicationStatus,
    LifeStatus,
    Organisation,
    PersonRecord,
    Reason,
    Result,
    ResultKind,
    StatusEvent,
    User,
)
from egov_portal.domain.model import (
    Session as PortalSession,
)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _opt_moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# --- conversions ----------------------------------------------------------------------------------
def _place_json(place: DictValue | None) -> dict[str, str] | None:
    return None if place is None else {"code": place.code, "ru": place.name_ru, "kk": place.name_kk}


def _place(data: dict[str, Any] | None) -> DictValue | None:
    return None if not data else DictValue(data["code"], data["ru"], data["kk"])


def person_json(person: PersonRecord) -> dict[str, Any]:
    return {
        "iin": person.iin,
        "surname": person.surname,
        "name": person.name,
        "patronymic": person.patronymic,
        "life_status": person.life_status.value,
        "region": _place_json(person.region),
        "locality": _place_json(person.locality),
        "address_ru": person.address_ru,
        "address_kk": person.address_kk,
    }


def person_from_json(data: dict[str, Any]) -> PersonRecord:
    return PersonRecord(
        iin=data["iin"],
        surname=data["surname"],
        name=data["name"],
        patronymic=data.get("patronymic"),
        life_status=LifeStatus(data.get("life_status", "alive")),
        region=_place(data.get("region")),
        locality=_place(data.get("locality")),
        address_ru=data.get("address_ru"),
        address_kk=data.get("address_kk"),
    )


def organisation_json(org: Organisation) -> dict[str, Any]:
    return {
        "code": org.code,
        "name_ru": org.name_ru,
        "name_kk": org.name_kk,
        "address_ru": org.address_ru,
        "address_kk": org.address_kk,
        "bin": org.bin,
        "region_code": org.region_code,
        "locality_code": org.locality_code,
    }


def organisation_from_json(data: dict[str, Any]) -> Organisation:
    return Organisation(
        code=data["code"],
        name_ru=data.get("name_ru", ""),
        name_kk=data.get("name_kk", ""),
        address_ru=data.get("address_ru", ""),
        address_kk=data.get("address_kk", ""),
        bin=data.get("bin", ""),
        region_code=data.get("region_code", ""),
        locality_code=data.get("locality_code", ""),
    )


def _reason(data: dict[str, Any] | None) -> Reason | None:
    return None if not data else Reason(data["code"], data["ru"], data["kk"])


def _user(row: UserRow) -> User:
    return User(
        iin=row.iin,
        password_hash=row.password_hash,
        phone=row.phone,
        person=person_from_json(row.person),
        registered_at=moment(row.registered_at),
        person_checked_at=moment(row.person_checked_at),
        failed_logins=row.failed_logins,
        locked_until=_opt_moment(row.locked_until),
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "password_hash": user.password_hash,
        "phone": user.phone,
        "person": person_json(user.person),
        "registered_at": iso(user.registered_at),
        "person_checked_at": iso(user.person_checked_at),
        "failed_logins": user.failed_logins,
        "locked_until": None if user.locked_until is None else iso(user.locked_until),
    }


def _assign(row: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _session(row: SessionRow) -> PortalSession:
    return PortalSession(
        token_hash=row.token_hash,
        csrf_token=row.csrf_token,
        created_at=moment(row.created_at),
        last_seen_at=moment(row.last_seen_at),
        expires_at=moment(row.expires_at),
        user_iin=row.user_iin,
        traceparent=row.traceparent,
    )


def _session_values(session: PortalSession) -> dict[str, Any]:
    return {
        "csrf_token": session.csrf_token,
        "created_at": iso(session.created_at),
        "last_seen_at": iso(session.last_seen_at),
        "expires_at": iso(session.expires_at),
        "user_iin": session.user_iin,
        "traceparent": session.traceparent,
    }


def _result_json(result: Result) -> dict[str, Any]:
    return {
        "kind": result.kind.value,
        "received_at": iso(result.received_at),
        "fields": result.fields,
        "signature_valid": result.signature_valid,
        "signature_error": result.signature_error,
        "signer": result.signer,
    }


def _result(data: dict[str, Any] | None, xml: str | None) -> Result | None:
    if not data or xml is None:
        return None
    return Result(
        kind=ResultKind(data["kind"]),
        xml=xml,
        received_at=moment(data["received_at"]),
        fields=dict(data.get("fields") or {}),
        signature_valid=bool(data.get("signature_valid")),
        signature_error=data.get("signature_error"),
        signer=data.get("signer"),
    )


def _event(row: ApplicationEventRow) -> StatusEvent:
    return StatusEvent(
        status=ApplicationStatus(row.status),
        at=moment(row.at),
        step=row.step,
        number=row.number,
        reason=_reason(row.reason),
        message_id=row.message_id,
    )


def _application(row: ApplicationRow, events: list[ApplicationEventRow]) -> Application:
    return Application(
        application_id=row.application_id,
        service_id=row.service_id,
        user_iin=row.user_iin,
        status=ApplicationStatus(row.status),
        created_at=moment(row.created_at),
        organisation=organisation_from_json(row.organisation),
        reason=row.reason,
        unsigned_xml=row.unsigned_xml,
        signed_xml=row.signed_xml,
        message_id=row.message_id,
        registration_number=row.registration_number,
        traceparent=row.traceparent,
        refusal=_reason(row.refusal),
        refusal_step=row.refusal_step,
        result=_result(row.result, row.result_xml),
        history=[_event(event) for event in sorted(events, key=lambda e: e.seq)],
        details=dict(row.details or {}),
    )


def _application_values(app: Application) -> dict[str, Any]:
    return {
        "service_id": app.service_id,
        "user_iin": app.user_iin,
        "status": app.status.value,
        "created_at": iso(app.created_at),
        "organisation": organisation_json(app.organisation),
        "reason": app.reason,
        "unsigned_xml": app.unsigned_xml,
        "signed_xml": app.signed_xml,
        "message_id": app.message_id,
        "registration_number": app.registration_number,
        "traceparent": app.traceparent,
        "refusal": None if app.refusal is None else app.refusal.as_json(),
        "refusal_step": app.refusal_step,
        "result": None if app.result is None else _result_json(app.result),
        "result_xml": None if app.result is None else app.result.xml,
        "details": dict(app.details),
    }


# --- repositories ---------------------------------------------------------------------------------
class UserRepository(Protocol):
    def get(self, iin: str) -> User | None: ...
    def add(self, user: User) -> None: ...
    def save(self, user: User) -> None: ...


class SessionRepository(Protocol):
    def get(self, token_hash: str) -> PortalSession | None: ...
    def add(self, session: PortalSession) -> None: ...
    def save(self, session: PortalSession) -> None: ...
    def delete(self, token_hash: str) -> None: ...
    def purge_expired(self, before: datetime) -> int: ...


class ApplicationRepository(Protocol):
    def get(self, application_id: str) -> Application | None: ...
    def add(self, application: Application) -> None: ...
    def save(self, application: Application) -> None: ...
    def for_user(self, iin: str) -> list[Application]: ...
    def by_message_id(self, message_id: str) -> Application | None: ...
    def claim(self, application_id: str, user_iin: str, *, from_status: str, to_status: str) -> bool: ...


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, iin: str) -> User | None:
        row = self.session.get(UserRow, iin)
        return None if row is None else _user(row)

    def add(self, user: User) -> None:
        self.session.add(UserRow(iin=user.iin, **_user_values(user)))

    def save(self, user: User) -> None:
        row = self.session.get(UserRow, user.iin)
        if row is None:
            raise KeyError(user.iin)
        _assign(row, _user_values(user))
        self.session.add(row)


class SqlSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, token_hash: str) -> PortalSession | None:
        row = self.session.get(SessionRow, token_hash)
        return None if row is None else _session(row)

    def add(self, portal_session: PortalSession) -> None:
        self.session.add(SessionRow(token_hash=portal_session.token_hash, **_session_values(portal_session)))

    def save(self, portal_session: PortalSession) -> None:
        row = self.session.get(SessionRow, portal_session.token_hash)
        if row is None:
            raise KeyError(portal_session.token_hash)
        _assign(row, _session_values(portal_session))
        self.session.add(row)

    def delete(self, token_hash: str) -> None:
        self.session.exec(delete(SessionRow).where(col(SessionRow.token_hash) == token_hash))

    def purge_expired(self, before: datetime) -> int:
        # ISO text with the same offset sorts like the moments it names (the clock's zone is fixed).
        result = self.session.exec(delete(SessionRow).where(col(SessionRow.expires_at) < iso(before)))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlApplicationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _events(self, application_id: str) -> list[ApplicationEventRow]:
        statement = select(ApplicationEventRow).where(ApplicationEventRow.application_id == application_id)
        return list(self.session.exec(statement))

    def get(self, application_id: str) -> Application | None:
        row = self.session.get(ApplicationRow, application_id)
        return None if row is None else _application(row, self._events(application_id))

    def add(self, application: Application) -> None:
        self.session.add(
            ApplicationRow(application_id=application.application_id, **_application_values(application))
        )
        self._add_events(application, 0)

    def save(self, application: Application) -> None:
        row = self.session.get(ApplicationRow, application.application_id)
        if row is None:
            raise KeyError(application.application_id)
        row.version += 1
        _assign(row, _application_values(application))
        self.session.add(row)
        self._add_events(application, len(self._events(application.application_id)))

    def _add_events(self, application: Application, stored: int) -> None:
        for seq, event in enumerate(application.history[stored:], start=stored):
            self.session.add(
                ApplicationEventRow(
                    application_id=application.application_id,
                    seq=seq,
                    status=event.status.value,
                    at=iso(event.at),
                    step=event.step,
                    number=event.number,
                    reason=None if event.reason is None else event.reason.as_json(),
                    message_id=event.message_id,
                )
            )

    def for_user(self, iin: str) -> list[Application]:
        statement = (
            select(ApplicationRow)
            .where(ApplicationRow.user_iin == iin)
            .order_by(col(ApplicationRow.created_at).desc())
        )
        return [_application(row, self._events(row.application_id)) for row in self.session.exec(statement)]

    def by_message_id(self, message_id: str) -> Application | None:
        statement = select(ApplicationRow).where(ApplicationRow.message_id == message_id)
        row = self.session.exec(statement).first()
        return None if row is None else _application(row, self._events(row.application_id))

    def claim(self, application_id: str, user_iin: str, *, from_status: str, to_status: str) -> bool:
        """Move the status only if it still is ``from_status``: one winner among concurrent posts."""
        statement = (
            update(ApplicationRow)
            .where(col(ApplicationRow.application_id) == application_id)
            .where(col(ApplicationRow.user_iin) == user_iin)
            .where(col(ApplicationRow.status) == from_status)
            .values(status=to_status, version=ApplicationRow.version + 1)
        )
        result = self.session.exec(statement)
        self.session.flush()
        return int(getattr(result, "rowcount", 0) or 0) == 1
