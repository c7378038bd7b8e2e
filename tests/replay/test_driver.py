"""The driver: the user's actions over HTTP, one trace per scenario, keys from nuc-mock, signing."""

from __future__ import annotations

from pathlib import Path

import pytest
from egov_cli.replay.driver import (
    Driver,
    Endpoints,
    ReplayTracer,
    TestPersonInfo,
    choose_organisation,
    employee_account,
    organisations_in,
)
from egov_cli.replay.scenario import Employee, load_scenario
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.replay.fake_stack import FORM, NUC, PHC, PORTAL, FakeStack

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _driver(stack: FakeStack) -> tuple[Driver, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracer = ReplayTracer.exporting_to(None, processor=SimpleSpanProcessor(exporter))
    endpoints = Endpoints(portal=PORTAL, phc=PHC, nuc=NUC)
    return Driver(endpoints, tracer, transport=stack.transport()), exporter


def test_success_path_is_one_trace_with_setup_in_another() -> None:
    stack = FakeStack()
    driver, exporter = _driver(stack)
    run = driver.run(load_scenario(SCENARIOS / "h1_portal_success.yaml"))

    assert run.outcome.error is None
    assert [a.name for a in run.outcome.actions] == [
        "login",
        "choose_organisation",
        "draft",
        "sign",
        "submit",
        "wait_result",
    ]
    assert all(action.ok and action.as_expected for action in run.outcome.actions)
    assert run.outcome.final_status == "done"
    assert run.outcome.result_kind == "talon"
    assert len(run.outcome.application_ids) == 1

    portal = [seen for seen in stack.seen if seen.host == "portal.test"]
    assert all(seen.traceparent for seen in stack.seen), "every request carries a traceparent"
    register = next(seen for seen in portal if seen.path == "/api/register")
    assert register.trace_id == run.setup_trace_id != run.trace_id
    replayed = [seen for seen in stack.seen if seen is not register]
    assert {seen.trace_id for seen in replayed} == {run.trace_id}
    draft = next(seen for seen in portal if seen.path.endswith("/draft"))
    assert draft.body["organisationCode"] == "ZHM-TRZ-01"

    names = [span.name for span in exporter.get_finished_spans()]
    assert "replay h1_portal_success" in names and "replay setup h1_portal_success" in names
    assert "replay: submit" in names
    root = next(s for s in exporter.get_finished_spans() if s.name == "replay h1_portal_success")
    assert format(root.context.trace_id, "032x") == run.trace_id


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("h1_portal_certificate_expired", "CERT_EXPIRED"),
        ("h1_portal_certificate_revoked", "CERT_REVOKED"),
        ("h1_portal_iin_mismatch", "IIN_MISMATCH"),
    ],
)
def test_refused_signatures(scenario: str, code: str) -> None:
    stack = FakeStack()
    driver, _ = _driver(stack)
    run = driver.run(load_scenario(SCENARIOS / f"{scenario}.yaml"))
    submit = run.outcome.actions[-1]
    assert submit.name == "submit" and not submit.ok and submit.as_expected
    assert submit.error_code == code
    assert run.outcome.final_status == "refused"


def test_wrong_password_ends_the_path() -> None:
    stack = FakeStack()
    driver, _ = _driver(stack)
    run = driver.run(load_scenario(SCENARIOS / "h1_portal_authorisation_refused.yaml"))
    (login,) = run.outcome.actions
    assert not login.ok and login.as_expected and login.error_code == "WRONG_PASSWORD"
    assert run.outcome.final_status is None


def test_provider_channel_signs_with_an_employee_certificate() -> None:
    stack = FakeStack()
    driver, _ = _driver(stack)
    run = driver.run(load_scenario(SCENARIOS / "h1_provider_success.yaml"))
    assert run.outcome.error is None, run.outcome.error
    assert [a.name for a in run.outcome.actions] == [
        "workstation_login",
        "choose_service",
        "lookup",
        "workstation_draft",
        "workstation_sign",
        "workstation_register",
    ]
    assert all(a.ok for a in run.outcome.actions)
    assert run.outcome.application_ids == ("H1-0001",)
    assert (run.outcome.final_status, run.outcome.result_kind) == ("attached", "talon")
    issued = next(seen for seen in stack.seen if seen.path == "/api/certificates")
    assert issued.body["kind"] == "employee" and issued.body["bin"]


def test_provider_absent_person_is_refused_at_lookup() -> None:
    stack = FakeStack()
    driver, _ = _driver(stack)
    run = driver.run(load_scenario(SCENARIOS / "h1_provider_absent_from_gbdfl.yaml"))
    lookup = run.outcome.actions[-1]
    assert lookup.name == "lookup" and not lookup.ok and lookup.as_expected
    assert lookup.error_code == "NOT_IN_GBDFL"


def test_unreachable_portal_is_reported_not_raised() -> None:
    driver, _ = _driver(FakeStack())
    driver.endpoints = Endpoints(portal="http://nowhere.test", phc=PHC, nuc=NUC)
    run = driver.run(load_scenario(SCENARIOS / "h1_portal_success.yaml"))
    assert run.outcome.error is not None


def test_organisation_choice_by_locality() -> None:
    organisations = organisations_in(FORM)
    assert [o["code"] for o in organisations][:1] == ["VKO-UKG-03"]
    assert choose_organisation(organisations, "311001000", "310000000") == "ZHM-TRZ-05"
    assert choose_organisation(organisations, "999", "630000000") == "VKO-UKG-03"
    assert choose_organisation(organisations, None, None) == "VKO-UKG-03"
    assert organisations_in({"data": {"organizations": FORM["organisations"]}}) == FORM["organisations"]


def test_employee_from_phc_registrys_seed() -> None:
    pytest.importorskip("phc_registry.domain.seed")
    person = TestPersonInfo.of("disabled")
    account = employee_account(Employee(), person)
    assert account["organisation_code"] == "ZKO-AKS-01"
    assert account["iin"] and account["password"] and account["bin"]
    explicit = employee_account(Employee(organisation="ZHM-TRZ-01"), TestPersonInfo.of("absent"))
    assert explicit["organisation_code"] == "ZHM-TRZ-01"
    given = employee_account(Employee(iin="720314450019", password="x"), person)
    assert given == {"iin": "720314450019", "password": "x"}
