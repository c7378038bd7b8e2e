"""The H2 regulation as data (`services/h2_doctor_appointment.yaml`), from seed 001.

«Дәрігердің қабылдауына жазылу» («Запись на прием к врачу»).

Seed 001 is in Kazakh: §9 numbers the portal's processes 1–8 and conditions 1–3 (items 2)–12)), §5
the provider's actions 1–2 with their norms; the whole service takes no more than 30 minutes through
the portal (§9, closing paragraph) and no more than 10 minutes at the provider (§5, closing
paragraph).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.regulations import Regulation, RegulationPathInvalid, load_regulation

from tests.regulations.regulation_checks import (
    TYPICAL_PORTAL,
    assert_every_step_on_a_complete_path,
    assert_grounds_checked_and_named,
    assert_phc_service_identity,
    assert_steps_in_seed_order,
    assert_titles_in_three_languages,
    assert_typical_portal_branches,
    assert_typical_portal_messages,
    assert_typical_portal_paths,
    documents_by_channel,
)

PROVIDER = ["step 1", "step 2"]
GROUNDS = ["NOT_IN_GBDFL", "NOT_ATTACHED", "SLOT_TAKEN", "SIGNATURE_NOT_CONFIRMED"]
PROVIDER_CHECKS = {"NOT_IN_GBDFL", "NOT_ATTACHED", "SLOT_TAKEN"}


@pytest.fixture(scope="module")
def h2() -> Regulation:
    return load_regulation("H2")


def test_h2_identity(h2: Regulation) -> None:
    assert_phc_service_identity(
        h2, "H2", "RPN_Appointment", "Запись на прием к врачу", "Дәрігердің қабылдауына жазылу"
    )
    assert "№ 272" in h2.standard and "№ 314" in h2.standard
    assert set(h2.seeds) == {"001"}
    assert h2.systems["gbd-fl-mock"].shep_id == "GBDFL"
    assert "жеке кабинетінде электрондық өтінім мәртебесі" in h2.result.kk


def test_portal_steps_follow_seed_001_section_9(h2: Regulation) -> None:
    portal = h2.channel("portal")
    assert_steps_in_seed_order(portal, TYPICAL_PORTAL)
    # §9 item 1) is the unnumbered registration; process 1 is item 2), … process 8 is item 12).
    for item, step in enumerate(portal.steps, start=2):
        assert step.seed_ref.startswith(f"001 §9 {item})"), step.id


def test_provider_steps_follow_seed_001_section_5(h2: Regulation) -> None:
    provider = h2.channel("provider")
    assert_steps_in_seed_order(provider, PROVIDER)
    for step in provider.steps:
        assert step.kind == "step"
        assert step.seed_ref.startswith(f"001 §5 action {step.number}")
        assert f"§8 action {step.number}" in step.seed_ref
        assert step.actor == "employee" and step.system == "phc-registry"


def test_titles_keep_the_seed_wording(h2: Regulation) -> None:
    assert_titles_in_three_languages(h2)
    portal = h2.channel("portal")
    assert portal.step("process 1").title_kk.endswith("ЖСН мен парольін енгізуі (авторлау процесі)")
    assert portal.step("condition 3").title_kk == (
        "Көрсетілетін қызметті берушінің электрондық құжаттың мемлекеттік қызмет көрсету негіздеріне"
        " сәйкестігін тексеруі (өңдеуі)"
    )
    assert "жеке кабинетте электрондық сұраныс түрінде хабарлама беру" in portal.step("process 8").title_kk
    step_2 = h2.step("provider", "step 2")
    assert step_2.title_kk.startswith("Дәрігердің қабылдауына алдын-ала жазылу журналына жазба енгізу")
    register = h2.step("portal", "process 6")
    assert register.span_name == "process 6: register the e-document and assign a number"


def test_portal_branches_follow_the_diagram(h2: Regulation) -> None:
    portal = h2.channel("portal")
    assert_typical_portal_branches(portal)
    assert [s.id for s in portal.successors("process 5")] == ["process 6"]
    with pytest.raises(RegulationPathInvalid, match="'process 8' cannot follow 'process 6'"):
        portal.path("process 6", "process 8")


def test_every_diagram_path_is_reachable(h2: Regulation) -> None:
    for channel in h2.channels.values():
        assert_every_step_on_a_complete_path(channel)
    assert_typical_portal_paths(h2.channel("portal"))
    assert [[s.id for s in path] for path in h2.channel("provider").paths()] == [["step 1", "step 2"]]
    assert h2.step("provider", "step 2").outcome == "result"


def test_messages_and_systems(h2: Regulation) -> None:
    portal = h2.channel("portal")
    assert_typical_portal_messages(portal, "RPN_Appointment")
    assert portal.step("process 1").actor == "recipient"
    assert portal.step("process 5").actor == "recipient"
    assert all(s.message is None for s in h2.channel("provider").steps)


def test_the_overall_norms_are_30_minutes_on_the_portal_and_10_at_the_provider(h2: Regulation) -> None:
    assert (h2.norm.max, h2.norm.unit, h2.norm.clock) == (30, "minutes", "continuous")
    assert h2.norm.seed_ref.startswith("001 §9, closing paragraph")
    assert [h2.norm.text(lang) for lang in ("en", "ru", "kk")] == ["30 min", "30 мин.", "30 минут"]
    portal = h2.channel("portal")
    # Seed 001 gives no norm per portal step, only the whole, cited on the steps that end the service.
    assert {s.id: s.norm for s in portal.steps} == dict.fromkeys(TYPICAL_PORTAL)
    for end in ("process 7", "process 8"):
        (total,) = portal.step(end).other_norms
        assert (total.text("en"), total.clock) == ("30 min", "continuous")
        assert total.seed_ref.startswith("001 §9, closing paragraph")
    provider = h2.channel("provider")
    assert {s.id: s.norm_text("kk") for s in provider.steps} == {"step 1": "10 минут", "step 2": "10 минут"}
    (whole,) = provider.step("step 2").other_norms
    assert (whole.text("ru"), whole.clock) == ("10 мин.", "working")
    assert whole.seed_ref.startswith("001 §5, closing paragraph")


def test_norms_give_deadlines(h2: Regulation) -> None:
    # Through the portal the 30 minutes run around the clock: Saturday 23:50 is due on Sunday 00:20.
    submitted = datetime(2025, 11, 15, 23, 50, tzinfo=KZ_TZ)
    assert h2.norm.deadline().due(submitted) == datetime(2025, 11, 16, 0, 20, tzinfo=KZ_TZ)
    # At the provider the 10 minutes are working time: lunch (13:00–14:30) and the night do not count.
    (whole,) = h2.step("provider", "step 2").other_norms
    before_lunch = datetime(2025, 11, 17, 12, 55, tzinfo=KZ_TZ)
    assert whole.deadline().due(before_lunch) == datetime(2025, 11, 17, 14, 35, tzinfo=KZ_TZ)
    friday_evening = datetime(2025, 11, 14, 18, 25, tzinfo=KZ_TZ)
    assert whole.deadline().due(friday_evening) == datetime(2025, 11, 17, 9, 5, tzinfo=KZ_TZ)
    step_1 = h2.step("provider", "step 1").norm
    assert step_1 is not None
    assert step_1.deadline().due(datetime(2025, 11, 17, 9, 0, tzinfo=KZ_TZ)) == datetime(
        2025, 11, 17, 9, 10, tzinfo=KZ_TZ
    )


def test_refusal_grounds_and_where_they_are_checked(h2: Regulation) -> None:
    assert [g.code for g in h2.refusal_grounds] == GROUNDS
    assert all(g.seed_ref.startswith("001 §") for g in h2.refusal_grounds)
    assert "кестеге сәйкес дәрігердің бос уақытын" in h2.refusal_ground("SLOT_TAKEN").seed_ref
    portal = h2.channel("portal")
    assert portal.step("condition 2").grounds == ("SIGNATURE_NOT_CONFIRMED",)
    assert portal.step("process 4").grounds == ("SIGNATURE_NOT_CONFIRMED",)
    assert set(portal.step("condition 3").grounds) == PROVIDER_CHECKS
    assert set(portal.step("process 7").grounds) == PROVIDER_CHECKS
    assert portal.step("process 2").grounds == ()
    # Seed 001 §5 describes no refusal at the provider.
    assert all(not s.grounds and s.outcome != "refusal" for s in h2.channel("provider").steps)
    assert_grounds_checked_and_named(h2)


def test_required_documents_per_channel(h2: Regulation) -> None:
    assert documents_by_channel(h2) == {
        "portal": {"STANDARD_DOCUMENTS", "E_REQUEST", "POWER_OF_ATTORNEY"},
        "provider": {"STANDARD_DOCUMENTS", "POWER_OF_ATTORNEY"},
    }
    required = {d.code: d.required for d in h2.required_documents}
    assert required == {"STANDARD_DOCUMENTS": True, "E_REQUEST": True, "POWER_OF_ATTORNEY": False}
    assert all(d.seed_ref and d.seed_ref.startswith("001 §") for d in h2.required_documents)
