"""Through the real landscape: after РПН's signed refusal the survey is offered, and «1414» tells the
status by РПН's registration number without a word about the person.

Replays ``h1_portal_refused_already_attached`` (idempotent: on any run the recipient is attached to
that polyclinic, so the replayed application ends in process 7) with the replay's own driver.
"""

from __future__ import annotations

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_cli.replay.driver import Driver, Endpoints, ReplayTracer, TestPersonInfo
from egov_cli.replay.scenario import find_scenario, load_scenario

pytestmark = pytest.mark.integration


def test_survey_and_status_after_a_real_providers_answer(landscape: Landscape) -> None:
    scenario = load_scenario(find_scenario("h1_portal_refused_already_attached"))
    endpoints = Endpoints(
        portal=landscape.url("egov-portal"),
        phc=landscape.url("phc-registry"),
        nuc=landscape.url("nuc-mock"),
        shep=landscape.url("gateway-shep"),
    )
    tracer = ReplayTracer.exporting_to(None)
    try:
        result = Driver(endpoints, tracer).run(scenario)
    finally:
        tracer.shutdown()
    assert result.outcome.error is None, result.outcome.error
    assert result.outcome.final_status == "refused"
    application_id = result.outcome.application_ids[-1]
    recipient = TestPersonInfo.of(scenario.actors.recipient.archetype)

    with httpx.Client(base_url=endpoints.portal, timeout=30) as citizen:
        login = citizen.post(
            "/api/login", json={"iin": recipient.iin, "password": scenario.actors.recipient.password}
        )
        assert login.status_code == 200, login.text
        token = login.json()["csrf_token"]
        detail = citizen.get(f"/api/applications/{application_id}").json()
        assert detail["result"]["kind"] == "refusal" and detail["result"]["signature_valid"] is True
        number = detail["registrationNumber"]

        offered = citizen.get(f"/api/applications/{application_id}/survey").json()
        assert (offered["available"], offered["answered"]) == (True, False)
        answered = citizen.post(
            f"/api/applications/{application_id}/survey",
            json={"q1": 2, "q2": 3},
            headers={"X-CSRF-Token": token},
        )
        assert answered.status_code == 201, answered.text
        again = citizen.post(
            f"/api/applications/{application_id}/survey",
            json={"q1": 1, "q2": 1},
            headers={"X-CSRF-Token": token},
        )
        assert again.json()["error"] == "SURVEY_ALREADY_ANSWERED"
        summary = citizen.get("/api/surveys/summary").json()["services"]
        assert next(s for s in summary if s["serviceId"] == "H1")["count"] >= 1

    with httpx.Client(base_url=endpoints.portal, timeout=30) as contact_centre:
        status = contact_centre.get(f"/api/status/{number}")
    assert status.status_code == 200, status.text
    body = status.json()
    assert (body["status"], body["service"]["id"]) == ("refused", "H1")
    assert body["submittedAt"] and body["registeredAt"] and body["resultAt"]
    assert recipient.iin not in status.text
    assert recipient.surname not in status.text
