"""The H3 regulation as data (`services/h3_sanatorium_card.yaml`): seed 004, the standard
«Выдача заключения о нуждаемости в санаторно-курортном лечении».

Seed 004 is a standard (items 1–10, Kazakh and Russian) and numbers no steps: the portal follows the
typical diagram of seed 000 §10 / seed 001 §9 (processes 1–8, conditions 1–3), the provider the
typical actions 1–8 of seed 002 table 2. From seed 004 come the one working day (item 3), the working
hours and the 18:00 cut-off (item 7), the documents (item 8), the refusal grounds (item 9) and the
one-time password instead of an EDS (item 10).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from egov_kit.calendar import registration_moment
from egov_kit.clock import KZ_TZ
from egov_kit.regulations import Regulation, RegulationNotFound, load_regulation

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
    normalised,
)

PROVIDER = [f"step {n}" for n in range(1, 9)]
GROUNDS = ["UNRELIABLE_DATA", "REQUIREMENTS_NOT_MET", "NO_CONSENT"]

# Seed 004 item 9, verbatim (the Russian 3) has «защите!» for «защите"», corrected in the file).
ITEM_9_RU = [
    "установление недостоверности документов, представленных услугополучателем для получения"
    " государственной услуги, и (или) данных (сведений), содержащихся в них",
    "несоответствие услугополучателя и (или) представленных материалов, объектов, данных и сведений,"
    " необходимых для оказания государственной услуги, требованиям, установленными Стандартом",
    "отсутствие согласия услугополучателя, предоставляемого в соответствии со статьей 8 Закона Республики"
    ' Казахстан "О персональных данных и их защите!, на доступ к персональным данным ограниченного'
    " доступа, которые требуются для оказания государственной услуги",
]
ITEM_9_KK = [
    "көрсетілетін қызметті алушының мемлекеттік көрсетілетін қызметті алу үшін ұсынған құжаттардың және"
    " (немесе) олардағы деректердің (мәліметтердің) анық еместігін анықтауы",
    "көрсетілетін қызметті алушының және (немесе) ұсынылған материалдардың, объектілердің, деректер мен"
    " мәліметтердің Қазақстан Республикасының нормативтік құқықтық актілерінде белгіленген талаптарға"
    " сәйкес келмеуі",
    'көрсетілетін қызметті алушының мемлекеттік қызмет көрсету үшін талап етілетін, "Дербес деректер және'
    ' оларды қорғау туралы" Қазақстан Республикасы Заңының 8-бабына сәйкес берілетін қолжетімділігі'
    " шектеулі дербес деректерге қол жеткізуге келісімі болмағанда",
]


def as_sentence(text: str) -> str:
    """The seed's list item as the file writes it: capitalised."""
    return text[0].upper() + text[1:]


@pytest.fixture(scope="module")
def h3() -> Regulation:
    return load_regulation("H3")


def test_h3_identity(h3: Regulation) -> None:
    assert_phc_service_identity(
        h3,
        "H3",
        "PHC_SanatoriumCard",
        "Выдача заключения о нуждаемости в санаторно-курортном лечении",
        "Санаторийлік-курорттық емдеу қажеттілігі туралы қорытынды беру",
    )
    assert "069/у" in h3.result.ru and "мотивированный отказ" in h3.result.ru
    assert "069/е" in h3.result.kk and "дәлелді бас тарту" in h3.result.kk
    assert "001-3" not in h3.result.kk  # the Kazakh item 5 2)'s slip is not carried over
    assert set(h3.seeds) == {"004", "000", "001", "002"}


def test_portal_steps_follow_the_typical_diagram(h3: Regulation) -> None:
    portal = h3.channel("portal")
    assert_steps_in_seed_order(portal, TYPICAL_PORTAL)
    # Process 1 is item 2) of seed 000 §10 and of seed 001 §9, … process 8 is item 12).
    for item, step in enumerate(portal.steps, start=2):
        assert step.seed_ref.startswith(f"000 §10 {item}); 001 §9 {item})"), step.id
    assert "seed 004 numbers none" in portal.seed_ref


def test_provider_steps_follow_seed_002_table_2(h3: Regulation) -> None:
    provider = h3.channel("provider")
    assert_steps_in_seed_order(provider, PROVIDER)
    for step in provider.steps:
        assert step.kind == "step"
        assert step.seed_ref.startswith(f"002 table 2 action {step.number}")
        assert step.system == "phc-registry"
    assert "seed 004 numbers none" in provider.seed_ref


def test_titles_in_three_languages(h3: Regulation) -> None:
    assert_titles_in_three_languages(h3)
    assert h3.step("portal", "process 8").span_name == (
        "process 8: recipient receives the signed sanatorium-resort card 069/u in the cabinet"
    )
    assert "069/у" in h3.step("provider", "step 8").title_ru
    assert "069/е" in h3.step("provider", "step 8").title_kk


def test_portal_branches_and_the_one_time_password(h3: Regulation) -> None:
    portal = h3.channel("portal")
    assert_typical_portal_branches(portal)
    # Seed 004 item 10: a one-time password may stand for the EDS (process 3, condition 2, 4, 5).
    for step_id in ("process 3", "condition 2", "process 4", "process 5"):
        step = portal.step(step_id)
        assert "одноразов" in step.title_ru, step_id
        assert "бір реттік пароль" in step.title_kk, step_id
        assert "one-time password" in step.title_en, step_id
        assert "004 item 10" in step.seed_ref, step_id
    for branch in portal.step("condition 2").next:
        assert "one-time password" in (branch.when.en or "")
        assert "одноразовый пароль" in branch.when.ru


def test_every_diagram_path_is_reachable(h3: Regulation) -> None:
    for channel in h3.channels.values():
        assert_every_step_on_a_complete_path(channel)
    assert_typical_portal_paths(h3.channel("portal"))
    checked = ["step 1", "step 2", "step 3", "step 5", "step 6"]
    assert [[s.id for s in path] for path in h3.channel("provider").paths()] == [
        ["step 1", "step 2", "step 3", "step 4"],
        [*checked, "step 7"],
        [*checked, "step 8"],
    ]


def test_messages_and_systems(h3: Regulation) -> None:
    assert_typical_portal_messages(h3.channel("portal"), "PHC_SanatoriumCard")
    provider = h3.channel("provider")
    assert {s.id: s.message for s in provider.steps if s.message} == {"step 3": "GBDFL_UniversalServiceSync"}
    assert provider.step("step 4").actor == "gbd-fl-mock"


def test_the_norm_is_one_working_day(h3: Regulation) -> None:
    assert (h3.norm.max, h3.norm.unit) == (1, "working_days")
    assert h3.norm.seed_ref.startswith("004 item 3")
    assert [h3.norm.text(lang) for lang in ("en", "ru", "kk")] == [
        "1 working day",
        "1 рабочий день",
        "1 жұмыс күні",
    ]
    # Seed 004 gives only the whole term: it is the norm of the steps that give a result or a refusal.
    portal = h3.channel("portal")
    assert {s.id: s.norm_text("en") for s in portal.steps} == {
        **dict.fromkeys(TYPICAL_PORTAL),
        "process 7": "1 working day",
        "process 8": "1 working day",
    }
    provider = h3.channel("provider")
    assert {s.id: s.norm_text("ru") for s in provider.steps} == {
        **dict.fromkeys(PROVIDER),
        "step 4": "1 рабочий день",
        "step 7": "1 рабочий день",
        "step 8": "1 рабочий день",
    }


@pytest.mark.parametrize(
    ("received", "counts_from", "due"),
    [
        # Wednesday 17:59, before the 18:00 cut-off: counts at once, due by the close of Thursday.
        (datetime(2025, 11, 12, 17, 59), datetime(2025, 11, 12, 17, 59), datetime(2025, 11, 13, 18, 30)),
        # Wednesday at lunch: counts from 14:30.
        (datetime(2025, 11, 12, 13, 30), datetime(2025, 11, 12, 14, 30), datetime(2025, 11, 13, 18, 30)),
        # Friday 18:05, after the cut-off: counts from Monday 9:00, due on Tuesday.
        (datetime(2025, 11, 14, 18, 5), datetime(2025, 11, 17, 9, 0), datetime(2025, 11, 18, 18, 30)),
        # Saturday: counts from Monday.
        (datetime(2025, 11, 15, 11, 0), datetime(2025, 11, 17, 9, 0), datetime(2025, 11, 18, 18, 30)),
        # Monday 15 December 19:00: Tuesday 16 December is Independence Day; counts from Wednesday.
        (datetime(2025, 12, 15, 19, 0), datetime(2025, 12, 17, 9, 0), datetime(2025, 12, 18, 18, 30)),
    ],
)
def test_one_working_day_on_the_calendar(
    h3: Regulation, received: datetime, counts_from: datetime, due: datetime
) -> None:
    registered = registration_moment(received.replace(tzinfo=KZ_TZ))
    assert registered == counts_from.replace(tzinfo=KZ_TZ)
    for norm in (h3.norm, h3.step("portal", "process 8").norm, h3.step("portal", "process 7").norm):
        assert norm is not None
        assert norm.deadline().due(registered) == due.replace(tzinfo=KZ_TZ)


def test_at_the_provider_one_working_day_counts_from_the_handing_of_the_documents(h3: Regulation) -> None:
    card = h3.step("provider", "step 8").norm
    assert card is not None and card.clock == "working"
    handed_in = datetime(2025, 11, 14, 16, 0, tzinfo=KZ_TZ)  # Friday afternoon
    assert card.deadline().due(handed_in) == datetime(2025, 11, 17, 18, 30, tzinfo=KZ_TZ)


def test_refusal_grounds_are_exactly_item_9(h3: Regulation) -> None:
    assert [g.code for g in h3.refusal_grounds] == GROUNDS
    for n, (ground, ru, kk) in enumerate(zip(h3.refusal_grounds, ITEM_9_RU, ITEM_9_KK, strict=True), 1):
        assert ground.seed_ref == f"004 item 9 {n})"
        assert normalised(ground.ru) == as_sentence(ru.replace("защите!", 'защите"'))
        assert normalised(ground.kk) == as_sentence(kk)
    with pytest.raises(RegulationNotFound):
        h3.refusal_ground("NOT_IN_GBDFL")


def test_where_the_grounds_are_checked_and_named(h3: Regulation) -> None:
    portal = h3.channel("portal")
    assert portal.step("condition 3").grounds == tuple(GROUNDS)
    assert portal.step("process 7").grounds == tuple(GROUNDS)
    # An unconfirmed EDS or one-time password is the portal's message, not a ground of item 9.
    assert portal.step("condition 2").grounds == () and portal.step("process 4").grounds == ()
    provider = h3.channel("provider")
    assert provider.step("step 3").grounds == ("UNRELIABLE_DATA",)
    assert provider.step("step 4").grounds == ("UNRELIABLE_DATA",)
    assert provider.step("step 6").grounds == tuple(GROUNDS)
    assert provider.step("step 7").grounds == tuple(GROUNDS)
    assert_grounds_checked_and_named(h3)


def test_required_documents_follow_item_8_and_the_consent_of_item_9(h3: Regulation) -> None:
    assert documents_by_channel(h3) == {
        "portal": {"E_REQUEST", "CLINICAL_RESULTS_COPY", "PERSONAL_DATA_CONSENT"},
        "provider": {"APPLICATION", "IDENTITY_DOCUMENT", "CLINICAL_RESULTS", "PERSONAL_DATA_CONSENT"},
    }
    assert all(d.required for d in h3.required_documents)
    docs = {d.code: d for d in h3.required_documents}
    assert normalised(docs["CLINICAL_RESULTS_COPY"].ru).startswith(
        "Электронная копия результатов клинико-диагностических исследований согласно направляемому диагнозу"
    )
    assert "ограниченного доступа" in docs["PERSONAL_DATA_CONSENT"].ru
    assert (docs["PERSONAL_DATA_CONSENT"].seed_ref or "").startswith("004 item 9 3)")
    assert all((d.seed_ref or "").startswith("004 item") for d in h3.required_documents)
