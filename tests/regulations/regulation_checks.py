"""Checks every regulation file must pass, shared by the per-service tests (H2, H3, …).

The validator (:meth:`egov_kit.regulations.Regulation.problems`) checks the format; these helpers
check what a reader of the seeds expects on top: the seed's numbering in the file's order, titles in
the right language, a diagram whose every step lies on a complete path, grounds that are both checked
and named by a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from egov_kit.regulations import Channel, Regulation, load_all

KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)

#: The portal channel of the typical diagram (seed 000 §10, seed 001 §9) that H1, H2 and H3 follow.
TYPICAL_PORTAL = [
    "process 1",
    "condition 1",
    "process 2",
    "process 3",
    "condition 2",
    "process 4",
    "process 5",
    "process 6",
    "condition 3",
    "process 7",
    "process 8",
]
#: The typical portal path up to the provider's check (condition 3).
TYPICAL_HAPPY = [
    "process 1",
    "condition 1",
    "process 3",
    "condition 2",
    "process 5",
    "process 6",
    "condition 3",
]
PHC_SYSTEMS = {"egov-portal", "gateway-shep", "phc-registry", "gbd-fl-mock"}


def normalised(text: str) -> str:
    """Whitespace folded to single spaces (YAML folds lines; seeds wrap them differently)."""
    return " ".join(text.split())


def assert_steps_in_seed_order(channel: Channel, expected: Sequence[str]) -> None:
    """The channel lists exactly ``expected``, each kind numbered 1, 2, 3… in that order."""
    steps = channel.steps
    assert [s.id for s in steps] == list(expected)
    for kind in {s.kind for s in steps}:
        numbers = [s.number for s in steps if s.kind == kind]
        assert numbers == list(range(1, len(numbers) + 1)), kind
    for step in steps:
        assert step.id == f"{step.kind} {step.number}"


def assert_phc_service_identity(regulation: Regulation, service_id: str, code: str, ru: str, kk: str) -> None:
    """A service of a PHC organisation, through the portal and at the provider, on the four systems."""
    assert service_id in load_all()
    assert regulation.id == service_id
    assert regulation.code == code
    assert regulation.names.ru == ru
    assert regulation.names.kk == kk
    assert regulation.names.en
    assert regulation.provider_kind == "phc_organisation"
    assert set(regulation.channels) == {"portal", "provider"}
    assert set(regulation.systems) == PHC_SYSTEMS


def assert_typical_portal_branches(portal: Channel) -> None:
    """Conditions 1–3 branch as the typical diagram draws; processes 2, 4, 7 refuse, 8 gives the result."""
    assert [s.id for s in portal.successors("condition 1")] == ["process 2", "process 3"]
    assert [s.id for s in portal.successors("condition 2")] == ["process 4", "process 5"]
    assert [s.id for s in portal.successors("condition 3")] == ["process 7", "process 8"]
    outcomes = {s.id: s.outcome for s in portal.steps if s.outcome}
    assert outcomes == {
        "process 2": "refusal",
        "process 4": "refusal",
        "process 7": "refusal",
        "process 8": "result",
    }


def assert_typical_portal_paths(portal: Channel) -> None:
    """The typical diagram's four complete portal paths, in the diagram's order."""
    assert [[s.id for s in path] for path in portal.paths()] == [
        ["process 1", "condition 1", "process 2"],
        ["process 1", "condition 1", "process 3", "condition 2", "process 4"],
        [*TYPICAL_HAPPY, "process 7"],
        [*TYPICAL_HAPPY, "process 8"],
    ]


def assert_typical_portal_messages(portal: Channel, shep_service: str) -> None:
    """Processes 5–8 exchange ``shep_service`` messages, condition 3 asks ГБД ФЛ; the portal runs
    processes 1–5, the provider the rest."""
    assert {s.id: s.message for s in portal.steps if s.message} == {
        "process 5": f"{shep_service} REQUEST",
        "process 6": f"{shep_service} UPDATE",
        "condition 3": "GBDFL_UniversalServiceSync",
        "process 7": f"{shep_service} RESPONSE",
        "process 8": f"{shep_service} RESPONSE",
    }
    systems = {s.id: s.system for s in portal.steps}
    assert {systems[i] for i in TYPICAL_PORTAL[:7]} == {"egov-portal"}
    assert {systems[i] for i in TYPICAL_PORTAL[7:]} == {"phc-registry"}


def assert_titles_in_three_languages(regulation: Regulation) -> None:
    """Russian titles are Russian, Kazakh titles Kazakh, English short; span names unique per channel."""
    for channel in regulation.channels.values():
        for step in channel.steps:
            assert CYRILLIC.search(step.title_ru) and not KAZAKH_LETTERS.search(step.title_ru), step.id
            assert KAZAKH_LETTERS.search(step.title_kk), step.id
            assert not CYRILLIC.search(step.title_en), step.id
            first_word = step.title_en.split()[0]
            assert first_word.islower() or first_word.isupper(), step.id  # lower case, or "GBD FL …"
            assert step.span_name == f"{step.id}: {step.title_en}"
            for branch in step.next:
                assert KAZAKH_LETTERS.search(branch.when.kk), (step.id, branch.step)
                assert not KAZAKH_LETTERS.search(branch.when.ru), (step.id, branch.step)
                assert branch.when.en, (step.id, branch.step)
        names = [s.span_name for s in channel.steps]
        assert len(set(names)) == len(names), channel.id
    for text in (regulation.names, regulation.result, *(ch.title for ch in regulation.channels.values())):
        assert KAZAKH_LETTERS.search(text.kk) and not KAZAKH_LETTERS.search(text.ru)
        assert text.en


def assert_every_step_on_a_complete_path(channel: Channel) -> None:
    """Every step lies on a path from the first step to an outcome; every path ends in one."""
    paths = channel.paths()
    on_paths = {s.id for path in paths for s in path}
    assert on_paths == {s.id for s in channel.steps}, channel.id
    for path in paths:
        assert path[0] is channel.first
        assert path[-1].outcome in ("refusal", "result"), [s.id for s in path]
        # ``path`` re-checks every hop against the diagram.
        assert channel.path(*(s.id for s in path)) == path
    for step in channel.steps:
        if step.kind == "condition":
            assert len(step.next) >= 2, step.id


def assert_grounds_checked_and_named(regulation: Regulation) -> None:
    """Each ground is checked by a condition (or branching step) and named by a refusal step.

    A step that names grounds is a check with branches or a refusal; a refusal step names only grounds
    checked on the way to it.
    """
    codes = {g.code for g in regulation.refusal_grounds}
    checked: set[str] = set()
    named: set[str] = set()
    for channel in regulation.channels.values():
        for step in channel.steps:
            assert set(step.grounds) <= codes, step.id
            if step.grounds:
                assert step.next or step.outcome == "refusal", step.id
            if step.next:
                checked |= set(step.grounds)
            if step.outcome == "refusal":
                named |= set(step.grounds)
        for path in channel.paths():
            end = path[-1]
            if end.outcome == "refusal" and end.grounds:
                on_the_way = {code for s in path[:-1] for code in s.grounds}
                assert set(end.grounds) <= on_the_way, [s.id for s in path]
    assert checked == codes
    assert named == codes


def documents_by_channel(regulation: Regulation) -> dict[str, set[str]]:
    """The codes of the documents asked for in each channel (no ``channels`` means every channel)."""
    return {
        name: {d.code for d in regulation.required_documents if not d.channels or name in d.channels}
        for name in regulation.channels
    }
