"""H2 at the registry desk (provider channel): the JSON API of bookings and the journal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from egov_kit.clock import KZ_TZ, now
from egov_kit.regulations import load_regulation
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.domain import doctors
from phc_registry.domain.seed import DEV_PASSWORD

from tests.phc_registry.conftest import TRZ01_REGISTRAR, TRZ05_REGISTRAR

BASE = "/api/workstation"
DOCTOR = "ZHM-TRZ-05-D2"  # Турсунов Руслан Ахметович


def login(client: TestClient, iin: str = TRZ05_REGISTRAR) -> str:
    response = client.post(f"{BASE}/login", json={"iin": iin, "password": DEV_PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def future_slot(index: int, doctor_id: str = DOCTOR) -> datetime:
    today = now().astimezone(KZ_TZ).date()
    return list(doctors.doctor(doctor_id).slots(today + timedelta(days=1), today + timedelta(days=14)))[
        index
    ].start


def post(client: TestClient, csrf: str | None, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post(f"{BASE}{path}", json=body or {}, headers=headers)


def test_clerk_books_from_the_schedule_and_the_journal_shows_it(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    csrf = login(client)
    schedule = client.get(f"{BASE}/h2/doctors").json()
    assert schedule["organisation"] == "ZHM-TRZ-05"
    assert [d["doctor_id"] for d in schedule["doctors"]] == [
        "ZHM-TRZ-05-D1",
        "ZHM-TRZ-05-D2",
        "ZHM-TRZ-05-D3",
    ]
    slot = future_slot(0)
    free = next(d for d in schedule["doctors"] if d["doctor_id"] == DOCTOR)["slots"]
    assert slot in [datetime.fromisoformat(s["start"]) for s in free]

    response = post(
        client,
        csrf,
        "/h2/bookings",
        {"iin": "880412390017", "doctorId": DOCTOR, "slotStart": slot.isoformat(), "channel": "phone"},
    )
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "ACTIVE" and booking["channel"] == "phone"
    assert booking["full_name"].startswith("Ахметов Ерлан")  # from ГБД ФЛ through ШЭП
    assert booking["doctor_full_name"] == "Турсунов Руслан Ахметович" and booking["cabinet"] == "102"
    assert booking["booked_by"] == TRZ05_REGISTRAR
    assert datetime.fromisoformat(booking["slot_start"]) == slot

    regulation = load_regulation("H2")
    names = [
        s.name
        for s in spans.get_finished_spans()
        if s.attributes and s.attributes.get("egov.step.id") and s.attributes.get("egov.service") == "H2"
    ]
    assert names == [regulation.step("provider", step).span_name for step in ("step 1", "step 2")]

    again = post(
        client,
        csrf,
        "/h2/bookings",
        {"iin": "790923490082", "doctorId": DOCTOR, "slotStart": slot.isoformat(), "fullName": "Иванова С."},
    )
    assert again.status_code == 409 and again.json()["error"] == "SLOT_TAKEN"

    journal = client.get(f"{BASE}/h2/journal", params={"date": slot.date().isoformat()}).json()
    assert journal["day"] == slot.date().isoformat()
    assert [(b["booking_number"], b["status"]) for b in journal["bookings"]] == [
        (booking["booking_number"], "ACTIVE")
    ]

    cancelled = post(client, csrf, f"/h2/bookings/{booking['booking_number']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    rebooked = post(
        client,
        csrf,
        "/h2/bookings",
        {"iin": "790923490082", "doctorId": DOCTOR, "slotStart": slot.isoformat(), "fullName": "Иванова С."},
    )
    assert rebooked.status_code == 201


def test_booking_needs_a_session_csrf_and_a_doctor_of_the_organisation(client: TestClient) -> None:
    body = {"iin": "880412390017", "doctorId": DOCTOR, "slotStart": future_slot(1).isoformat()}
    assert post(client, None, "/h2/bookings", body).status_code == 401
    csrf = login(client)
    assert post(client, None, "/h2/bookings", body).status_code == 403
    assert post(client, csrf[::-1], "/h2/bookings", body).status_code == 403

    foreign = {**body, "doctorId": "ZHM-TRZ-01-D1", "slotStart": future_slot(1, "ZHM-TRZ-01-D1").isoformat()}
    response = post(client, csrf, "/h2/bookings", foreign)
    assert response.status_code == 404 and response.json()["error"] == "UNKNOWN_DOCTOR"

    off_grid = {**body, "slotStart": (future_slot(1) + timedelta(minutes=5)).isoformat()}
    response = post(client, csrf, "/h2/bookings", off_grid)
    assert response.status_code == 400 and response.json()["error"] == "NOT_A_SLOT"

    absent = {**body, "iin": "900101390508"}
    response = post(client, csrf, "/h2/bookings", absent)
    assert response.status_code == 404 and response.json()["error"] == "PERSON_NOT_FOUND"


def test_a_clerk_cannot_cancel_another_organisations_booking(client: TestClient, phc_app: Any) -> None:
    csrf = login(client)
    slot = future_slot(2)
    booking = post(
        client,
        csrf,
        "/h2/bookings",
        {
            "iin": "880412390017",
            "doctorId": DOCTOR,
            "slotStart": slot.isoformat(),
            "fullName": "Ахметов Ерлан",
        },
    ).json()
    other = TestClient(phc_app)
    other_csrf = login(other, TRZ01_REGISTRAR)
    response = post(other, other_csrf, f"/h2/bookings/{booking['booking_number']}/cancel")
    assert response.status_code == 404 and response.json()["error"] == "BOOKING_NOT_FOUND"
    journal = other.get(f"{BASE}/h2/journal", params={"date": slot.date().isoformat()}).json()
    assert journal["organisation"] == "ZHM-TRZ-01" and journal["bookings"] == []
