"""The quality survey of seed 002 appendix 3: offered once after the provider's result, summarised."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.portal.results_support import finished, registered, sent_application
from tests.portal.support import ADULT_VKO, sign

Login = Callable[..., str]

# Seed 002 appendix 3 («3-қосымша»), verbatim (the seed has no Russian text).
Q1_KK = "Электрондық мемлекеттік қызмет көрсетудің үдеріс сапасына және нәтижесіне қанағаттанасыз ба?"
Q2_KK = "Электрондық мемлекеттік қызмет көрсету тәртібі жөніндегі ақпараттың сапасына қанағаттанасыз ба?"
SCALE_KK = ["қанағаттанбаймын", "ішінара қанағаттанамын", "қанағаттанамын"]


def answer(client: TestClient, token: str | None, application_id: str, **body: Any) -> Any:
    headers = {"X-CSRF-Token": token} if token else {}
    return client.post(f"/api/applications/{application_id}/survey", json=body, headers=headers)


def state(client: TestClient, application_id: str) -> dict[str, Any]:
    response = client.get(f"/api/applications/{application_id}/survey")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def h1_summary(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/surveys/summary")
    assert response.status_code == 200, response.text
    return next(s for s in response.json()["services"] if s["serviceId"] == "H1")


# --- the questions --------------------------------------------------------------------------------------
def test_survey_has_the_seeds_two_questions_and_three_point_scale(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id, _ = sent_application(client, token, keys.adult)
    body = state(client, application_id)
    survey = body["survey"]
    assert survey["seedRef"] == "002 appendix 3"
    assert [q["id"] for q in survey["questions"]] == ["q1", "q2"]
    assert [q["kk"] for q in survey["questions"]] == [Q1_KK, Q2_KK]
    assert all(q["ru"].startswith("Удовлетворены ли Вы") for q in survey["questions"])
    assert [p["value"] for p in survey["scale"]] == [1, 2, 3]
    assert [p["kk"] for p in survey["scale"]] == SCALE_KK
    assert [p["ru"] for p in survey["scale"]] == [
        "не удовлетворён(а)",
        "частично удовлетворён(а)",
        "удовлетворён(а)",
    ]
    assert body["available"] is False
    assert body["answered"] is False
    assert body["answer"] is None


# --- who may answer, and when -----------------------------------------------------------------------------
def test_answering_before_the_result_is_refused(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    application_id, message_id = sent_application(client, token, keys.adult)
    registered(client, application_id, message_id, "RPN-2025-000100")
    response = answer(client, token, application_id, q1=3, q2=3)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "SURVEY_NOT_AVAILABLE"
    assert "после получения результата" in body["message_ru"]
    assert "нәтижесін" in body["message_kk"]
    assert state(client, application_id)["answered"] is False
    assert h1_summary(client)["count"] == 0


def test_a_process_4_refusal_is_no_result_to_survey(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    created = client.post(
        "/api/applications/H1/draft",
        json={"organisationCode": "ZHM-TRZ-01", "reason": "Смена места жительства"},
        headers={"X-CSRF-Token": token},
    ).json()
    refused = client.post(
        "/api/applications/H1",
        json={"applicationId": created["applicationId"], "signed_xml": sign(created["xml"], keys.expired)},
        headers={"X-CSRF-Token": token},
    )
    assert refused.json()["status"] == "refused"
    response = answer(client, token, created["applicationId"], q1=1, q2=1)
    assert response.status_code == 409
    assert response.json()["error"] == "SURVEY_NOT_AVAILABLE"


def test_the_owner_answers_once_after_the_talon(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000101")
    assert state(client, application_id)["available"] is True

    first = answer(client, token, application_id, q1=3, q2=2)
    assert first.status_code == 201, first.text
    assert first.json()["answers"] == {"q1": 3, "q2": 2}
    assert first.json()["serviceId"] == "H1"

    second = answer(client, token, application_id, q1=1, q2=1)
    assert second.status_code == 409
    assert second.json()["error"] == "SURVEY_ALREADY_ANSWERED"
    assert second.json()["message_kk"]
    after = state(client, application_id)
    assert after["answered"] is True
    assert {k: after["answer"][k] for k in ("q1", "q2")} == {"q1": 3, "q2": 2}  # the first answer stays


def test_a_providers_motivated_refusal_is_a_result_too(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000102", refused=True)
    response = answer(client, token, application_id, q1=1, q2=2)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"q1": 4, "q2": 2}, "q1"),
        ({"q1": 0, "q2": 2}, "q1"),
        ({"q1": 3}, "q2"),
        ({"q1": "3", "q2": 2}, "q1"),
        ({"q1": True, "q2": 2}, "q1"),
        ({"q1": 2, "q2": 2.5}, "q2"),
    ],
)
def test_an_answer_off_the_scale_is_a_named_error(
    client: TestClient, api_login: Login, keys: Any, body: dict[str, Any], field: str
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000103")
    response = answer(client, token, application_id, **body)
    assert response.status_code == 422
    assert response.json()["error"] == "SURVEY_ANSWER_INVALID"
    assert response.json()["field"] == field
    assert "қанағаттанамын" in response.json()["message_kk"]
    assert state(client, application_id)["answered"] is False


def test_someone_elses_application_cannot_be_surveyed(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000104")
    other = api_login(ADULT_VKO)
    response = answer(client, other, application_id, q1=1, q2=1)
    assert response.status_code == 404
    assert response.json()["error"] == "APPLICATION_NOT_FOUND"
    assert client.get(f"/api/applications/{application_id}/survey").status_code == 404
    assert h1_summary(client)["count"] == 0


def test_answer_needs_the_csrf_header_and_a_session(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000105")
    assert answer(client, None, application_id, q1=3, q2=3).json()["error"] == "CSRF_REJECTED"
    assert state(client, application_id)["answered"] is False
    client.post("/api/logout", headers={"X-CSRF-Token": token})
    assert answer(client, token, application_id, q1=3, q2=3).status_code == 401
    assert client.get("/api/surveys/summary").status_code == 401


# --- the summary -------------------------------------------------------------------------------------------
def test_summary_counts_distribution_and_averages_per_service(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    given = [(3, 2), (1, 2), (3, 1)]
    for n, (q1, q2) in enumerate(given):
        application_id = finished(client, token, keys, f"RPN-2025-00020{n}")
        assert answer(client, token, application_id, q1=q1, q2=q2).status_code == 201
    finished(client, token, keys, "RPN-2025-000209")  # a result, but no answer: not counted

    services = client.get("/api/surveys/summary").json()["services"]
    by_id = {s["serviceId"]: s for s in services}
    h1 = by_id["H1"]
    assert h1["count"] == 3
    q1, q2 = h1["questions"]
    assert (q1["id"], q1["distribution"], q1["average"]) == ("q1", {"1": 1, "2": 0, "3": 2}, 2.33)
    assert (q2["id"], q2["distribution"], q2["average"]) == ("q2", {"1": 1, "2": 2, "3": 0}, 1.67)
    assert h1["average"] == 2.0
    assert h1["name_kk"] and h1["name_ru"]
    # the other services of the portal are listed with no answers yet
    assert by_id["H2"]["count"] == 0 and by_id["H2"]["average"] is None
    assert "880412390017" not in str(services)


# --- pages -------------------------------------------------------------------------------------------------
def test_application_page_offers_the_survey_once_in_both_languages(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    pending, _ = sent_application(client, token, keys.adult)
    assert 'id="survey"' not in client.get(f"/applications/{pending}").text

    application_id = finished(client, token, keys, "RPN-2025-000300")
    page = client.get(f"/applications/{application_id}").text  # Kazakh by default
    assert 'data-survey="offered"' in page
    assert Q1_KK in page and Q2_KK in page and "ішінара қанағаттанамын" in page
    assert "Удовлетворены ли Вы" in client.get(f"/applications/{application_id}?lang=ru").text
    cabinet = client.get("/cabinet").text
    assert f'href="/applications/{application_id}#survey"' in cabinet
    assert f'href="/applications/{pending}#survey"' not in cabinet

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    posted = client.post(
        f"/applications/{application_id}/survey",
        data={"csrf_token": csrf.group(1), "q1": "2", "q2": "3"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/applications/{application_id}#survey"
    page = client.get(f"/applications/{application_id}?lang=ru").text
    assert 'data-survey="answered"' in page
    assert "Спасибо за ответ" in page
    assert 'data-question="q1" data-value="2"' in page
    assert f'action="/applications/{application_id}/survey"' not in page  # offered once
    assert f'href="/applications/{application_id}#survey"' not in client.get("/cabinet").text

    again = client.post(
        f"/applications/{application_id}/survey", data={"csrf_token": csrf.group(1), "q1": "1", "q2": "1"}
    )
    assert again.status_code == 409
    assert 'data-error-code="SURVEY_ALREADY_ANSWERED"' in again.text


def test_survey_form_page_shows_a_refusal_and_keeps_nothing(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000301")
    page = client.get(f"/applications/{application_id}/survey").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    refused = client.post(
        f"/applications/{application_id}/survey", data={"csrf_token": csrf.group(1), "q1": "3"}
    )
    assert refused.status_code == 422
    assert 'data-error-code="SURVEY_ANSWER_INVALID"' in refused.text
    assert re.search(r'name="q1" value="3" required\s+checked', refused.text)  # the choice is kept
    assert not re.search(r'name="q2" value="\d" required\s+checked', refused.text)
    forged = client.post(
        f"/applications/{application_id}/survey", data={"csrf_token": "forged", "q1": "3", "q2": "3"}
    )
    assert forged.status_code == 403
    assert state(client, application_id)["answered"] is False


def test_summary_page_in_both_languages(client: TestClient, api_login: Login, keys: Any) -> None:
    assert client.get("/surveys", follow_redirects=False).status_code == 303  # logged-in users only
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000302")
    assert answer(client, token, application_id, q1=3, q2=1).status_code == 201
    page = client.get("/surveys").text
    assert "Сауалнама қорытындысы" in page
    section = page.split('data-service="H1"', 1)[1].split("</section>", 1)[0]
    assert 'data-count="1"' in page
    assert '<span data-field="average">2.00</span>' in section
    assert Q1_KK in section
    assert "Итоги анкетирования" in client.get("/surveys?lang=ru").text


# --- the trace ------------------------------------------------------------------------------------------
def test_the_answer_is_a_span_in_the_applications_trace(
    client: TestClient, api_login: Login, keys: Any, spans: InMemorySpanExporter
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000400")
    assert answer(client, token, application_id, q1=3, q2=3).status_code == 201
    finished_spans = spans.get_finished_spans()
    survey_span = next(s for s in finished_spans if s.name == "survey answer (002 appendix 3)")
    process_5 = next(
        s
        for s in finished_spans
        if (s.attributes or {}).get("egov.step.id") == "process 5"
        and (s.attributes or {}).get("egov.application") == application_id
    )
    assert survey_span.attributes is not None
    assert survey_span.attributes["egov.application"] == application_id
    assert survey_span.attributes["egov.service"] == "H1"
    assert survey_span.attributes["egov.survey.q1"] == 3
    assert survey_span.context is not None and process_5.context is not None
    assert survey_span.context.trace_id == process_5.context.trace_id
