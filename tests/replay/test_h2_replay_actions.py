"""H2's replay actions: the scenario model accepts them only in a possible order, and the doctor and
slot are picked from the form as the scenario says; the report shows the norms the regulation cites.
"""

from __future__ import annotations

from typing import Any

import pytest
from egov_cli.replay.driver import ActionFailed
from egov_cli.replay.h2_actions import pick
from egov_cli.replay.scenario import Scenario, expectation_for, find_scenario, load_scenario
from egov_kit.regulations import load_regulation
from pydantic import ValidationError

DOCTORS = [
    {"doctorId": "X-D1", "specialty": "therapist", "slots": []},
    {"doctorId": "X-D2", "specialty": "therapist", "slots": [{"start": "a"}, {"start": "b"}]},
    {"doctorId": "X-D3", "specialty": "pediatrician", "slots": [{"start": "c"}]},
]


def scenario(actions: list[dict[str, Any]], channel: str = "portal") -> Scenario:
    actors: dict[str, Any] = {"recipient": {"archetype": "adult"}}
    if channel == "provider":
        actors["employee"] = {"organisation": "by_locality"}
    return Scenario.model_validate(
        {
            "id": "h2_check",
            "title": {"ru": "т", "kk": "т", "en": "t"},
            "regulation": "H2",
            "channel": channel,
            "actors": actors,
            "actions": actions,
            "expect": {"steps": ["process 1"]},
        }
    )


def test_the_doctor_and_slot_are_picked_as_asked() -> None:
    assert pick(DOCTORS, "first", "first")[0]["doctorId"] == "X-D2"  # the first with free times
    assert pick(DOCTORS, "therapist", "last")[1] == {"start": "b"}
    assert pick(DOCTORS, "pediatrician", "first")[1] == {"start": "c"}
    assert pick(DOCTORS, "X-D3", "first")[0]["specialty"] == "pediatrician"
    with pytest.raises(ActionFailed):
        pick(DOCTORS, "gynecologist", "first")
    with pytest.raises(ActionFailed):
        pick(DOCTORS, "X-D1", "first")  # no free time


def test_h2_actions_come_in_a_possible_order() -> None:
    path = [
        {"do": "login"},
        {"do": "choose_slot", "doctor": "therapist"},
        {"do": "h2_draft"},
        {"do": "slot_booked_elsewhere", "archetype": "minor"},
        {"do": "sign"},
        {"do": "submit"},
        {"do": "wait_result"},
        {"do": "cancel"},
    ]
    assert [action.do for action in scenario(path).actions] == [item["do"] for item in path]
    with pytest.raises(ValidationError, match="h2_draft needs choose_slot"):
        scenario([{"do": "login"}, {"do": "h2_draft"}])
    with pytest.raises(ValidationError, match="cancel needs wait_result"):
        scenario([{"do": "login"}, {"do": "choose_slot"}, {"do": "h2_draft"}, {"do": "cancel"}])
    with pytest.raises(ValidationError, match="does not belong to the portal channel"):
        scenario([{"do": "workstation_login"}, {"do": "workstation_h2_book"}])
    booked = scenario(
        [{"do": "workstation_login"}, {"do": "workstation_h2_book", "channel": "phone"}], "provider"
    )
    assert booked.actions[-1].do == "workstation_h2_book"


def test_the_report_shows_h2s_norms() -> None:
    portal = load_scenario(find_scenario("h2_portal_success"))
    steps = {step.id: step for step in expectation_for(portal, load_regulation("H2")).steps}
    assert steps["process 8"].norm.startswith("≤ 30 min in total (001 §9")
    assert steps["process 8"].norm_seconds == 30 * 60  # a step longer than the whole norm is flagged
    assert steps["process 3"].norm == ""
    provider = load_scenario(find_scenario("h2_provider_success"))
    assert [step.norm for step in expectation_for(provider, load_regulation("H2")).steps] == [
        "10 min",
        "10 min",
    ]
