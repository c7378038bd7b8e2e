"""H2 on the portal's pages (Kazakh by default, Russian): the doctor and free-slot picker, the draft,
the common signing page, the cabinet and application pages with the appointment, the printable view,
and the cancellation page. With the fake ШЭП; the browser test drives the same pages in Chromium.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h2
from fastapi.testclient import TestClient
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.portal.h2_support import (
    THERAPIST,
    H2Shep,
    appointment,
    cancelled,
    deliver,
    registered,
)
from tests.portal.support import ADULT, ADULT_VKO, PASSWORD, PHONE, sign

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SLOT = re.compile(r'name="slotStart" value="([^"]+)"')
HIDDEN_XML = re.compile(r'name="xml" value="([^"]+)"')


@pytest.fixture
def shep() -> H2Shep:
    return H2Shep()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


def login(client: TestClient, iin: str = ADULT, target: str = "/services/H2") -> None:
    page = client.get("/register")
    client.post(
        "/register",
        data={"csrf_token": csrf_of(page.text), "iin": iin, "password": PASSWORD, "phone": PHONE},
        follow_redirects=False,
    )
    page = client.get(f"/login?next={target}")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "iin": iin, "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == target, response.text


def unescape(value: str) -> str:
    return (
        value.replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )


def choose_and_draft(client: TestClient) -> tuple[str, str]:
    """Choose the therapist, the first free slot, continue: (applicationId, slotStart)."""
    page = client.get(f"/services/H2?doctor={THERAPIST.doctor_id}")
    slot = unescape(SLOT.findall(page.text)[0])
    response = client.post(
        "/services/H2",
        data={"csrf_token": csrf_of(page.text), "doctorId": THERAPIST.doctor_id, "slotStart": slot},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/applications/[0-9a-f-]{36}/sign", location), location
    return location.split("/")[2], slot


def signed_and_done(client: TestClient, keys: Any, shep: H2Shep) -> tuple[str, str]:
    application_id, slot = choose_and_draft(client)
    page = client.get(f"/applications/{application_id}/sign")
    xml = unescape(HIDDEN_XML.search(page.text).group(1))  # type: ignore[union-attr]
    response = client.post(
        f"/applications/{application_id}/sign",
        data={"csrf_token": csrf_of(page.text), "signed_xml": sign(xml, keys.adult)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    message_id = shep.sent[-1].message_id
    deliver(client, registered(application_id), "UPDATE", message_id)
    deliver(
        client,
        appointment(application_id, datetime.fromisoformat(slot), keys.employee),
        "RESPONSE",
        message_id,
    )
    return application_id, slot


def test_h2_page_asks_to_log_in_and_the_login_is_h2s_process_1(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    page = client.get("/services/H2")
    assert page.status_code == 200
    assert "/login?next=/services/H2" in page.text
    assert "Дәрігердің қабылдауына жазылу" in page.text
    login(client)
    process_1 = [
        s for s in spans.get_finished_spans() if (s.attributes or {}).get("egov.step.id") == "process 1"
    ]
    assert [s.attributes["egov.service"] for s in process_1 if s.attributes] == ["H2"]


def test_the_api_login_names_the_service_of_process_1(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    client.post("/api/register", json={"iin": ADULT, "password": PASSWORD, "phone": PHONE})
    spans.clear()
    response = client.post("/api/login", json={"iin": ADULT, "password": PASSWORD, "serviceId": "H2"})
    assert response.status_code == 200
    services = {
        (s.attributes or {}).get("egov.step.id"): (s.attributes or {}).get("egov.service")
        for s in spans.get_finished_spans()
    }
    assert services.get("process 1") == "H2" and services.get("condition 1") == "H2"


def test_doctors_then_the_chosen_doctors_free_slots_grouped_by_day(client: TestClient) -> None:
    login(client)
    page = client.get("/services/H2")
    assert 'data-organisation="ZHM-TRZ-01"' in page.text
    assert THERAPIST.full_name in page.text and "Байменова Сауле Ержановна" in page.text
    assert "Осы дәрігерді таңдау" in page.text  # Kazakh by default
    assert 'name="slotStart"' not in page.text  # no slot before a doctor is chosen

    page = client.get(f"/services/H2?doctor={THERAPIST.doctor_id}")
    assert f'data-chosen-doctor="{THERAPIST.doctor_id}"' in page.text
    days = re.findall(r'<fieldset class="slots" data-day="([0-9-]+)">', page.text)
    assert days and days == sorted(days) and len(set(days)) == len(days)
    starts = [datetime.fromisoformat(unescape(value)) for value in SLOT.findall(page.text)]
    shown_days = sorted({start.astimezone(KZ_TZ).date().isoformat() for start in starts})
    assert shown_days == days  # every free time under its own day
    first_day = datetime.fromisoformat(days[0]).date()
    weekday_kk = ("Дүйсенбі", "Сейсенбі", "Сәрсенбі", "Бейсенбі", "Жұма")[first_day.weekday()]
    assert f"{weekday_kk}, {first_day:%d.%m.%Y}" in page.text

    russian = client.get(f"/services/H2?doctor={THERAPIST.doctor_id}&lang=ru")
    assert "Выберите время приёма" in russian.text or "Выбранный врач" in russian.text
    weekday_ru = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница")[first_day.weekday()]
    assert f"{weekday_ru}, {first_day:%d.%m.%Y}" in russian.text


def test_not_attached_is_shown_with_the_way_to_h1(client: TestClient) -> None:
    login(client, ADULT_VKO)
    page = client.get("/services/H2?lang=ru")
    assert 'data-error-code="NOT_ATTACHED"' in page.text
    assert "Вы не прикреплены" in page.text and 'href="/services/H1"' in page.text


def test_a_form_without_a_slot_is_shown_again_with_the_error(client: TestClient) -> None:
    login(client)
    page = client.get(f"/services/H2?doctor={THERAPIST.doctor_id}")
    response = client.post(
        "/services/H2", data={"csrf_token": csrf_of(page.text), "doctorId": THERAPIST.doctor_id}
    )
    assert response.status_code == 422
    assert 'data-error-code="SLOT_REQUIRED"' in response.text
    assert client.get("/api/applications").json()["applications"] == []


def test_the_form_without_csrf_stores_nothing(client: TestClient) -> None:
    login(client)
    response = client.post("/services/H2", data={"doctorId": THERAPIST.doctor_id, "slotStart": "x"})
    assert response.status_code == 403
    assert client.get("/api/applications").json()["applications"] == []


def test_draft_goes_to_the_common_signing_page_with_the_doctor_and_time(client: TestClient) -> None:
    login(client)
    application_id, slot = choose_and_draft(client)
    page = client.get(f"/applications/{application_id}/sign")
    assert 'id="sign-button"' in page.text and "/static/ncalayer.js" in page.text
    assert f'data-doctor="{THERAPIST.doctor_id}"' in page.text
    assert datetime.fromisoformat(slot).astimezone(KZ_TZ).strftime("%d.%m.%Y %H:%M") in page.text
    xml = unescape(HIDDEN_XML.search(page.text).group(1))  # type: ignore[union-attr]
    assert h2.parse_application(etree.fromstring(xml.encode())).application_id == application_id


def test_cabinet_application_page_and_print_show_the_appointment(
    client: TestClient, keys: Any, shep: H2Shep
) -> None:
    login(client)
    application_id, slot = signed_and_done(client, keys, shep)
    when = datetime.fromisoformat(slot).astimezone(KZ_TZ).strftime("%d.%m.%Y %H:%M")

    cabinet = client.get("/cabinet")
    row = cabinet.text[cabinet.text.index(f'data-application="{application_id}"') :]
    row = row[: row.index("</tr>")]
    assert "status-done" in row and when in row and THERAPIST.full_name in row

    page = client.get(f"/applications/{application_id}")
    assert "Дәрігердің қабылдауына жазылу" in page.text  # the result's title, Kazakh
    assert "ЭЦҚ расталды" in page.text
    assert 'data-result-cabinet="101"' in page.text and when in page.text
    assert 'id="cancel-appointment"' in page.text
    russian = client.get(f"/applications/{application_id}?lang=ru")
    assert "Запись на приём к врачу" in russian.text and "Отменить запись" in russian.text

    printed = client.get(f"/applications/{application_id}/print")
    assert "Запись на приём к врачу" in printed.text and "Дәрігердің қабылдауына жазылу" in printed.text
    assert "A-2025-000007" in printed.text and when in printed.text and THERAPIST.full_name in printed.text


def test_cancellation_page_signs_and_sends_then_shows_cancelled(
    client: TestClient, keys: Any, shep: H2Shep
) -> None:
    login(client)
    application_id, _slot = signed_and_done(client, keys, shep)
    page = client.get(f"/applications/{application_id}/cancel")
    assert page.status_code == 200
    assert 'id="sign-button"' in page.text and f'action="/applications/{application_id}/cancel"' in page.text
    xml = unescape(HIDDEN_XML.search(page.text).group(1))  # type: ignore[union-attr]
    assert h2.parse_cancellation(etree.fromstring(xml.encode())).application_id == application_id

    refused = client.post(
        f"/applications/{application_id}/cancel",
        data={"csrf_token": csrf_of(page.text), "signed_xml": sign(xml, keys.adult_vko)},
    )
    assert refused.status_code == 422 and 'data-error-code="SIGNATURE_NOT_CONFIRMED"' in refused.text

    response = client.post(
        f"/applications/{application_id}/cancel",
        data={"csrf_token": csrf_of(page.text), "signed_xml": sign(xml, keys.adult)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert 'data-cancellation="sent"' in client.get(f"/applications/{application_id}").text
    deliver(client, cancelled(application_id), "RESPONSE", shep.sent[-1].message_id)
    page = client.get(f"/applications/{application_id}?lang=ru")
    assert 'data-status="cancelled"' in page.text and "Запись отменена" in page.text
    assert 'id="cancel-appointment"' not in page.text
