"""JSON shapes of users, organisations and applications (the API and the pages share them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from egov_kit.documents.records import DictValue
from fastapi.responses import JSONResponse

from egov_portal.domain.model import Application, ApplicationStatus, Organisation, StatusEvent, User
from egov_portal.domain.refusals import PROCESS_4_TITLE_KK, PROCESS_4_TITLE_RU
from egov_portal.domain.rules import format_phone


def place_json(place: DictValue | None) -> dict[str, str] | None:
    return None if place is None else {"code": place.code, "name_ru": place.name_ru, "name_kk": place.name_kk}


def user_json(user: User) -> dict[str, Any]:
    person = user.person
    return {
        "iin": user.iin,
        "surname": person.surname,
        "name": person.name,
        "patronymic": person.patronymic,
        "fullName": person.full_name,
        "phone": format_phone(user.phone),
        "region": place_json(person.region),
        "locality": place_json(person.locality),
        "address_ru": person.address_ru,
        "address_kk": person.address_kk,
    }


def organisation_json(org: Organisation) -> dict[str, str]:
    return {
        "code": org.code,
        "bin": org.bin,
        "name_ru": org.name_ru,
        "name_kk": org.name_kk,
        "address_ru": org.address_ru,
        "address_kk": org.address_kk,
        "regionCode": org.region_code,
        "localityCode": org.locality_code,
    }


def sorted_history(application: Application) -> list[StatusEvent]:
    return sorted(application.history, key=lambda event: event.at)  # stable: equal moments keep order


def event_json(event: StatusEvent) -> dict[str, Any]:
    body: dict[str, Any] = {"status": event.status.value, "at": event.at.isoformat()}
    if event.step:
        body["step"] = event.step
    if event.number:
        body["number"] = event.number
    if event.reason is not None:
        body["reason"] = event.reason.as_json()
    return body


def application_json(application: Application, *, with_documents: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "applicationId": application.application_id,
        "serviceId": application.service_id,
        "status": application.status.value,
        "createdAt": application.created_at.isoformat(),
        "organisation": organisation_json(application.organisation),
        "reason": application.reason,
        "registrationNumber": application.registration_number,
        "messageId": application.message_id,
        "history": [event_json(event) for event in sorted_history(application)],
        "details": details_json(application.details),
    }
    if application.refusal is not None:
        body["refusal"] = {"step": application.refusal_step, **application.refusal.as_json()}
    result = application.result
    if result is not None:
        body["result"] = {
            "kind": result.kind.value,
            "receivedAt": result.received_at.isoformat(),
            "signature_valid": result.signature_valid,
            "signature_error": result.signature_error,
            "signer": result.signer,
            "fields": result.fields,
            **({"xml": result.xml} if with_documents else {}),
        }
    return body


_DOCUMENT_KEYS = frozenset({"xml", "signedXml"})


def details_json(details: Mapping[str, Any]) -> dict[str, Any]:
    """The service's own details (H2: doctor, slot, cancellation …) without the documents they keep."""
    return {
        key: (
            {k: v for k, v in value.items() if k not in _DOCUMENT_KEYS}
            if isinstance(value, Mapping)
            else value
        )
        for key, value in details.items()
        if key not in _DOCUMENT_KEYS
    }


def process_4_json(
    application: Application,
    *,
    error: str = "SIGNATURE_NOT_CONFIRMED",
    title: tuple[str, str] = (PROCESS_4_TITLE_RU, PROCESS_4_TITLE_KK),
) -> dict[str, Any]:
    """The process 4 refusal as the API returns it (HTTP 422); ``title`` is the step's (ru, kk)."""
    reason = application.refusal
    assert reason is not None
    title_ru, title_kk = title
    return {
        "error": error,
        "message_ru": f"{title_ru}: {reason.ru}",
        "message_kk": f"{title_kk}: {reason.kk}",
        "step": "process 4",
        "applicationId": application.application_id,
        "status": application.status.value,
        "reason": reason.as_json(),
    }


def draft_created(application: Application, **extra: Any) -> JSONResponse:
    """201: the draft of process 3 (``applicationId``, ``status``, ``xml`` and a service's ``extra``)."""
    body = {
        "applicationId": application.application_id,
        "status": application.status.value,
        "xml": application.unsigned_xml,
        **extra,
    }
    return JSONResponse(body, status_code=201)


def sent_json(
    application: Application, *, refused: Callable[[Application], dict[str, Any]] | None = None
) -> JSONResponse:
    """After condition 2: 422 refused (process 4, ``refused``'s body, by default
    :func:`process_4_json`), 202 sent (process 5), or 502 when ШЭП did not accept it (failed)."""
    if application.status == ApplicationStatus.REFUSED:
        return JSONResponse((refused or process_4_json)(application), status_code=422)
    summary = {
        "applicationId": application.application_id,
        "status": application.status.value,
        "messageId": application.message_id,
    }
    if application.status == ApplicationStatus.FAILED:
        last = application.history[-1].reason if application.history else None
        return JSONResponse(
            {
                "error": last.code if last else "SHEP_NOT_ACCEPTED",
                "message_ru": last.ru if last else "ШЭП не принял запрос",
                "message_kk": last.kk if last else "ЭҮШ сұранысты қабылдамады",
                **summary,
            },
            status_code=502,
        )
    return JSONResponse(summary, status_code=202)
