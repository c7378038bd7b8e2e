"""Applications that reached the provider (and its answer), for the survey and «1414» tests.

Drives the portal's API as a citizen does (draft, sign, submit) and delivers РПН's UPDATE and
RESPONSE the way the portal's queue consumer does, through the fake ШЭП of ``support``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.portal.support import deliver, refusal, sign, status_update, submit, talon

Login = Callable[..., str]


def sent_application(client: TestClient, token: str, keypair: Any) -> tuple[str, str]:
    """Process 3 → condition 2 → process 5 for the logged-in user: (applicationId, messageId)."""
    created = client.post(
        "/api/applications/H1/draft",
        json={"organisationCode": "ZHM-TRZ-01", "reason": "Смена места жительства"},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 201, created.text
    application_id = created.json()["applicationId"]
    submitted = submit(client, token, application_id, sign(created.json()["xml"], keypair))
    assert submitted.status_code == 202, submitted.text
    return application_id, submitted.json()["messageId"]


def registered(client: TestClient, application_id: str, message_id: str, number: str) -> None:
    deliver(client, status_update(application_id, number), "UPDATE", message_id)


def finished(client: TestClient, token: str, keys: Any, number: str, *, refused: bool = False) -> str:
    """An application with the provider's result: the signed talon, or the motivated refusal."""
    application_id, message_id = sent_application(client, token, keys.adult)
    registered(client, application_id, message_id, number)
    document = refusal if refused else talon
    deliver(client, document(application_id, number, keys.employee), "RESPONSE", message_id)
    assert client.get(f"/api/applications/{application_id}").json()["status"] == (
        "refused" if refused else "done"
    )
    return application_id
