"""The H1 regulation as data (`services/h1_phc_attachment.yaml` through `egov_kit.regulations`)."""

from __future__ import annotations

import re

import pytest
from egov_kit.regulations import (
    Regulation,
    RegulationNotFound,
    RegulationPathInvalid,
    load_all,
    load_regulation,
    services_dir,
)

from tests.regulations.regulation_checks import (
    TYPICAL_HAPPY,
    TYPICAL_PORTAL,
    assert_typical_portal_branches,
    assert_typical_portal_messages,
    assert_typical_portal_paths,
)

PROVIDER = [f"step {n}" for n in range(1, 9)]
GROUNDS = {
    "NOT_IN_GBDFL",
    "DECEASED",
    "OUT_OF_SERVICE_AREA",
    "ALREADY_ATTACHED",
    "UNRELIABLE_DATA",
    "SIGNATURE_NOT_CONFIRMED",
}
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)


@pytest.fixture(scope="module")
def h1() -> Regulation:
    return load_regulation("H1")


def test_the_services_folder_is_at_the_checkout_root() -> None:
    folder = services_dir()
    assert folder.name == "services"
    assert (folder.parent / "kit" / "pyproject.toml").is_file()
    assert "H1" in load_all()


def test_h1_identity(h1: Regulation) -> None:
    assert h1.id == "H1"
    assert h1.code == "RPN_Attachment"
    assert h1.names.ru.startswith("Прикрепление к медицинской организации")
    assert "медициналық ұйымға тіркеу" in h1.names.kk
    assert h1.provider_kind == "phc_organisation"
    assert (h1.norm.max, h1.norm.unit) == (1, "working_days")
    assert set(h1.channels) == {"portal", "provider"}


def test_portal_steps_in_the_seed_order(h1: Regulation) -> None:
    steps = h1.channel("portal").steps
    assert [s.id for s in steps] == TYPICAL_PORTAL
    for kind in ("process", "condition"):
        assert [s.number for s in steps if s.kind == kind] == list(
            range(1, 1 + sum(s.kind == kind for s in steps))
        )
    assert all(s.seed_ref.startswith("000 §10") for s in steps)


def test_provider_steps_follow_seed_002_table_2(h1: Regulation) -> None:
    steps = h1.channel("provider").steps
    assert [s.id for s in steps] == PROVIDER
    assert all(s.kind == "step" for s in steps)
    assert all(f"002 table 2 action {s.number}" in s.seed_ref for s in steps)


def test_every_step_has_titles_in_russian_kazakh_and_english(h1: Regulation) -> None:
    for channel in h1.channels.values():
        for step in channel.steps:
            assert step.title_ru and step.title_kk and step.title_en
            assert KAZAKH_LETTERS.search(step.title_kk), step.id
            assert step.span_name == f"{step.id}: {step.title_en}"
    assert (
        h1.step("portal", "process 6").span_name == "process 6: register the e-document and assign a number"
    )


def test_portal_branches_follow_the_diagram(h1: Regulation) -> None:
    portal = h1.channel("portal")
    assert_typical_portal_branches(portal)
    assert [s.id for s in portal.successors("process 5")] == ["process 6"]
    assert portal.successors("process 2") == []


def test_every_complete_path_ends_in_a_refusal_or_the_result(h1: Regulation) -> None:
    assert_typical_portal_paths(h1.channel("portal"))
    provider_ends = [path[-1].id for path in h1.channel("provider").paths()]
    assert provider_ends == ["step 4", "step 7", "step 8"]


def test_a_scenario_path_is_checked_against_the_diagram(h1: Regulation) -> None:
    portal = h1.channel("portal")
    happy = portal.path(*TYPICAL_HAPPY, "process 8")
    assert [s.number for s in happy] == [1, 1, 3, 2, 5, 6, 3, 8]
    with pytest.raises(RegulationPathInvalid, match="'process 5' cannot follow 'process 3'"):
        portal.path("process 3", "process 5")
    with pytest.raises(RegulationPathInvalid, match="the channel ends there"):
        portal.path("process 7", "process 8")
    with pytest.raises(RegulationNotFound):
        portal.path("process 9")


def test_messages_and_systems_of_the_portal_steps(h1: Regulation) -> None:
    portal = h1.channel("portal")
    assert_typical_portal_messages(portal, "RPN_Attachment")
    systems = {s.id: s.system for s in portal.steps}
    assert portal.step("process 1").actor == "recipient"
    assert set(systems.values()) <= set(h1.systems)


def test_portal_norms_follow_seed_002_table_1(h1: Regulation) -> None:
    norms = {s.id: s.norm_text("en") for s in h1.channel("portal").steps}
    assert norms == {
        "process 1": "30 s – 1 min",
        "condition 1": None,
        "process 2": "30 s",
        "process 3": "1.5 min",
        "condition 2": None,
        "process 4": "1.5 min",
        "process 5": "30 s – 1 min",
        "process 6": "1 min",
        "condition 3": None,
        "process 7": "1 working day",
        "process 8": "1 working day",
    }


def test_provider_norms_follow_seed_002_table_2_and_cite_seed_000(h1: Regulation) -> None:
    provider = h1.channel("provider")
    norms = {s.id: s.norm_text("kk") for s in provider.steps}
    assert norms == {
        "step 1": "10–15 секунд",
        "step 2": "10 секунд",
        "step 3": "1,5 минут",
        "step 4": "10–15 секунд",
        "step 5": "10–15 секунд",
        "step 6": "1,5 минут",
        "step 7": "1 жұмыс күні",
        "step 8": "1 жұмыс күні",
    }
    cited = {
        s.id: [(n.text("en"), n.seed_ref[:9]) for n in s.other_norms] for s in provider.steps if s.other_norms
    }
    assert cited == {"step 3": [("10 min", "000 §5 1)")], "step 5": [("20 min", "000 §5 2)")]}
    assert provider.step("step 3").message == "GBDFL_UniversalServiceSync"
    assert [s.id for s in provider.successors("step 3")] == ["step 4", "step 5"]
    assert [s.id for s in provider.successors("step 6")] == ["step 7", "step 8"]


def test_refusal_grounds_and_where_they_are_checked(h1: Regulation) -> None:
    assert {g.code for g in h1.refusal_grounds} == GROUNDS
    assert h1.refusal_ground("DECEASED").kk
    portal = h1.channel("portal")
    assert portal.step("condition 2").grounds == ("SIGNATURE_NOT_CONFIRMED",)
    assert set(portal.step("condition 3").grounds) == GROUNDS - {"SIGNATURE_NOT_CONFIRMED"}
    with pytest.raises(RegulationNotFound):
        h1.refusal_ground("NO_SUCH_GROUND")


def test_required_documents_per_channel(h1: Regulation) -> None:
    by_channel = {
        name: {d.code for d in h1.required_documents if not d.channels or name in d.channels}
        for name in h1.channels
    }
    assert by_channel == {"portal": {"E_REQUEST"}, "provider": {"APPLICATION", "IDENTITY_DOCUMENT"}}
    assert all(d.required for d in h1.required_documents)


def test_unknown_ids_are_named_errors(h1: Regulation) -> None:
    with pytest.raises(RegulationNotFound, match="no channel 'front-office'") as caught:
        h1.channel("front-office")
    assert caught.value.code == "REGULATION_NOT_FOUND"
    with pytest.raises(RegulationNotFound, match="no step 'process 9'"):
        h1.channel("portal").step("process 9")
    with pytest.raises(RegulationNotFound, match="no regulation 'Z9'"):
        load_regulation("Z9")


def test_loaded_regulations_are_cached_and_immutable(h1: Regulation) -> None:
    assert load_regulation("H1") is h1
    with pytest.raises(ValueError):
        h1.channel("portal").step("process 1").title_en = "changed"  # type: ignore[misc]
