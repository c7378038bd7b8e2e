"""The replay's H3 actions (draft with files, one-time password) and the application expectation."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from egov_cli.replay.compare import Expectation, Outcome, compare
from egov_cli.replay.h3_portal_actions import H3File, file_json, tiny_pdf
from egov_cli.replay.scenario import Scenario, ScenarioError, load_scenario
from egov_kit.attachments import check_file

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def scenario(actions: list[dict[str, Any]], setup: list[dict[str, Any]] | None = None) -> Scenario:
    return Scenario.model_validate(
        {
            "id": "h3_test",
            "title": {"ru": "т", "kk": "т", "en": "t"},
            "regulation": "H3",
            "channel": "portal",
            "actors": {"recipient": {"archetype": "adult"}},
            "setup": setup or [{"do": "register"}],
            "actions": actions,
            "expect": {"steps": ["process 1"]},
        }
    )


def test_h3_actions_come_in_a_possible_order() -> None:
    eds = scenario(
        [{"do": "login"}, {"do": "h3_draft"}, {"do": "sign"}, {"do": "submit"}, {"do": "wait_result"}]
    )
    assert [a.do for a in eds.actions][1:3] == ["h3_draft", "sign"]
    otp = scenario(
        [
            {"do": "login"},
            {"do": "h3_draft", "confirmation": "otp"},
            {"do": "request_otp"},
            {"do": "read_otp"},
            {"do": "confirm_otp"},
            {"do": "wait_result"},
        ]
    )
    assert otp.actions[-2].do == "confirm_otp"
    with pytest.raises(ValueError, match="request_otp needs h3_draft"):
        scenario([{"do": "login"}, {"do": "request_otp"}])
    with pytest.raises(ValueError, match="simulated_time"):
        scenario([{"do": "login"}, {"do": "h3_draft", "simulated_time": "Friday"}])


def test_every_h3_scenario_loads() -> None:
    files = sorted(SCENARIOS.glob("h3_portal_*.yaml"))
    assert {p.stem for p in files} >= {
        "h3_portal_success",
        "h3_portal_otp_success",
        "h3_portal_refused_no_consent",
        "h3_portal_refused_unreliable_data",
        "h3_portal_refused_requirements_not_met",
        "h3_portal_after_hours",
    }
    for path in files:
        assert load_scenario(path).regulation == "H3"


def test_an_unknown_field_of_an_h3_action_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h3_bad.yaml"
    path.write_text(
        (SCENARIOS / "h3_portal_success.yaml")
        .read_text(encoding="utf-8")
        .replace("id: h3_portal_success", "id: h3_bad")
        .replace("confirmation: eds", "confirmation: sms"),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="confirmation"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("kind", "media"), [("pdf", "application/pdf"), ("png", "image/png"), ("jpeg", "image/jpeg")]
)
def test_generated_files_pass_the_portals_checks(kind: str, media: str) -> None:
    body = file_json(H3File(name=f"result.{'jpg' if kind == 'jpeg' else kind}", kind=kind))  # type: ignore[arg-type]
    content = base64.b64decode(body["contentBase64"])
    assert check_file(body["fileName"], body["mediaType"], content, max_bytes=1024 * 1024).media_type == media
    assert tiny_pdf().startswith(b"%PDF-1.4") and tiny_pdf().rstrip().endswith(b"%%EOF")


def test_the_application_expectation_compares_paths_and_moments() -> None:
    expectation = Expectation(
        regulation="H3",
        channel="portal",
        steps=(),
        application={
            "details.registeredFor": "2025-03-17T09:00:00+05:00",
            "refusal.code": "NO_CONSENT",
        },
    )
    same = Outcome(
        application={
            "details": {"registeredFor": "2025-03-17T04:00:00+00:00"},
            "refusal": {"code": "NO_CONSENT"},
        }
    )
    assert [
        d for d in compare("h3", "0" * 32, expectation, (), (), same).deviations if d.kind == "status"
    ] == []
    other = Outcome(application={"details": {"registeredFor": "2025-03-14T19:30:00+05:00"}})
    messages = [
        d.message
        for d in compare("h3", "0" * 32, expectation, (), (), other).deviations
        if d.kind == "status"
    ]
    assert any("details.registeredFor 2025-03-14T19:30:00+05:00" in m for m in messages)
    assert any("refusal.code None, expected NO_CONSENT" in m for m in messages)
