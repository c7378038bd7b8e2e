"""Step spans named after the regulation, and norms in Russian, Kazakh and English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from egov_kit.calendar import registration_moment
from egov_kit.clock import KZ_TZ
from egov_kit.errors import KitError
from egov_kit.regulations import Norm, Regulation, RegulationNotFound, load_regulation
from egov_kit.telemetry import add_span_processor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode


@pytest.fixture(scope="module")
def _exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
def spans(_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _exporter.clear()
    yield _exporter
    _exporter.clear()


@pytest.fixture(scope="module")
def h1() -> Regulation:
    return load_regulation("H1")


def only(spans: InMemorySpanExporter) -> ReadableSpan:
    finished = spans.get_finished_spans()
    assert len(finished) == 1, [s.name for s in finished]
    return finished[0]


def test_step_span_is_named_after_the_step(h1: Regulation, spans: InMemorySpanExporter) -> None:
    with h1.step_span("portal", "process 6", system="phc-registry", application="A-000123"):
        pass
    span = only(spans)
    assert span.name == "process 6: register the e-document and assign a number"
    attrs = dict(span.attributes or {})
    assert attrs["egov.step.id"] == "process 6"
    assert attrs["egov.step.title"] == "register the e-document and assign a number"
    assert attrs["egov.step.kind"] == "process"
    assert attrs["egov.step.number"] == 6
    assert attrs["egov.step.seed_ref"] == h1.step("portal", "process 6").seed_ref
    assert attrs["egov.step.norm"] == "1 min"
    assert attrs["egov.step.message"] == "RPN_Attachment UPDATE"
    assert attrs["egov.system"] == "phc-registry"
    assert attrs["egov.application"] == "A-000123"
    assert attrs["egov.service"] == "H1"
    assert attrs["egov.channel"] == "portal"


def test_step_span_of_a_condition_has_no_norm_and_defaults_to_the_step_system(
    h1: Regulation, spans: InMemorySpanExporter
) -> None:
    with h1.step_span("portal", "condition 2", attributes={"egov.certificate.serial": "01ab"}):
        pass
    span = only(spans)
    assert span.name == "condition 2: portal checks the EDS certificate (validity, revocation, IIN)"
    attrs = dict(span.attributes or {})
    assert attrs["egov.step.kind"] == "condition"
    assert "egov.step.norm" not in attrs
    assert "egov.application" not in attrs
    assert attrs["egov.system"] == "egov-portal"
    assert attrs["egov.certificate.serial"] == "01ab"


def test_provider_channel_spans_use_the_table_2_numbering(
    h1: Regulation, spans: InMemorySpanExporter
) -> None:
    with h1.step_span("provider", "step 3", application="P-7"):
        pass
    span = only(spans)
    assert span.name == "step 3: employee sends a request about the recipient to GBD FL"
    attrs = dict(span.attributes or {})
    assert attrs["egov.step.kind"] == "step"
    assert attrs["egov.step.norm"] == "1.5 min"
    assert attrs["egov.channel"] == "provider"


def test_a_named_error_inside_a_step_span_is_recorded(h1: Regulation, spans: InMemorySpanExporter) -> None:
    with pytest.raises(KitError), h1.step_span("portal", "condition 3", application="A-9"):
        raise KitError("no such person", code="NOT_IN_GBDFL")
    span = only(spans)
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["egov.error.code"] == "NOT_IN_GBDFL"


def test_an_unknown_step_opens_no_span(h1: Regulation, spans: InMemorySpanExporter) -> None:
    with pytest.raises(RegulationNotFound), h1.step_span("portal", "process 42"):
        pass
    assert spans.get_finished_spans() == ()


def test_step_span_names_are_unique_in_each_channel(h1: Regulation) -> None:
    for channel in h1.channels.values():
        names = [s.span_name for s in channel.steps]
        assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("norm", "en", "ru", "kk"),
    [
        (Norm(min=30, max=60, unit="seconds"), "30 s – 1 min", "30 сек. – 1 мин.", "30 секунд – 1 минут"),
        (Norm(max=30, unit="seconds"), "30 s", "30 сек.", "30 секунд"),
        (Norm(min=10, max=15, unit="seconds"), "10–15 s", "10–15 сек.", "10–15 секунд"),
        (Norm(max=1.5, unit="minutes"), "1.5 min", "1,5 мин.", "1,5 минут"),
        (Norm(max=90, unit="seconds"), "1.5 min", "1,5 мин.", "1,5 минут"),
        (Norm(max=0.5, unit="minutes"), "30 s", "30 сек.", "30 секунд"),
        (Norm(min=1, max=3, unit="minutes"), "1–3 min", "1–3 мин.", "1–3 минут"),
        (Norm(max=1, unit="working_days"), "1 working day", "1 рабочий день", "1 жұмыс күні"),
        (Norm(max=2, unit="working_days"), "2 working days", "2 рабочих дня", "2 жұмыс күні"),
        (Norm(max=7, unit="working_days"), "7 working days", "7 рабочих дней", "7 жұмыс күні"),
        (Norm(max=12, unit="working_days"), "12 working days", "12 рабочих дней", "12 жұмыс күні"),
        (Norm(max=21, unit="working_days"), "21 working days", "21 рабочий день", "21 жұмыс күні"),
        (Norm(min=1, max=5, unit="working_days"), "1–5 working days", "1–5 рабочих дней", "1–5 жұмыс күні"),
    ],
)
def test_norm_text_in_three_languages(norm: Norm, en: str, ru: str, kk: str) -> None:
    assert (norm.text("en"), norm.text("ru"), norm.text("kk")) == (en, ru, kk)


def test_step_norm_text_in_three_languages(h1: Regulation) -> None:
    step = h1.step("portal", "process 1")
    assert [step.norm_text(lang) for lang in ("en", "ru", "kk")] == [
        "30 s – 1 min",
        "30 сек. – 1 мин.",
        "30 секунд – 1 минут",
    ]
    assert h1.step("portal", "condition 1").norm_text("ru") is None
    assert h1.norm.text("kk") == "1 жұмыс күні"


def test_norms_give_deadlines_on_the_working_calendar(h1: Regulation) -> None:
    # A portal request signed on Friday 14 November 2025 at 19:00 counts from Monday 9:00 ...
    registered = registration_moment(datetime(2025, 11, 14, 19, 0, tzinfo=KZ_TZ))
    result = h1.step("portal", "process 8").norm
    assert result is not None
    # ... and the talon (or the refusal) is due by the close of Tuesday.
    assert result.deadline().due(registered) == datetime(2025, 11, 18, 18, 30, tzinfo=KZ_TZ)
    # The portal's own steps run around the clock: 1.5 min at night is 1.5 min.
    choose = h1.step("portal", "process 3").norm
    assert choose is not None and choose.clock == "continuous"
    night = datetime(2025, 11, 15, 2, 0, tzinfo=KZ_TZ)
    assert choose.deadline().due(night) == datetime(2025, 11, 15, 2, 1, 30, tzinfo=KZ_TZ)
    # The provider's employee works in working time: 1.5 min from 18:29 ends on Monday at 9:00:30.
    request = h1.step("provider", "step 3").norm
    assert request is not None and request.clock == "working"
    late = datetime(2025, 11, 14, 18, 29, tzinfo=KZ_TZ)
    assert request.deadline().due(late) == datetime(2025, 11, 17, 9, 0, 30, tzinfo=KZ_TZ)


def test_norm_rejects_inconsistent_bounds() -> None:
    with pytest.raises(ValueError, match="greater than max"):
        Norm(min=2, max=1, unit="minutes")
    with pytest.raises(ValueError, match="whole numbers"):
        Norm(max=1.5, unit="working_days")
    with pytest.raises(ValueError, match="working calendar"):
        Norm(max=1, unit="working_days", clock="continuous")
