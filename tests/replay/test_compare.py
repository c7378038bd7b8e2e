"""compare(): expected steps + observed spans and journal → a report whose deviations are named."""

from __future__ import annotations

from typing import Any

from egov_cli.replay.compare import ActionRecord, ExpectedMessage, ObservedSpan, Outcome, compare, system_key

from tests.replay.synthetic import MS, PORTAL_PATH, T0, TRACE, expected, journal, spans_for, step_span


def kinds(report: Any) -> list[str]:
    return [deviation.kind for deviation in report.deviations]


def test_present_and_in_order_is_ok() -> None:
    report = compare("s", TRACE, expected(), spans_for(), [])
    assert report.ok, report.deviations
    assert [row.step_id for row in report.rows] == [step_id for step_id, _ in PORTAL_PATH]
    assert all(row.state == "ok" for row in report.rows)
    first = report.rows[0]
    assert first.offset_ns == 0
    assert first.duration_ns == 5 * MS
    assert report.rows[1].offset_ns == 10 * MS


def test_missing_step_is_named() -> None:
    spans = [span for span in spans_for() if span.step_id != "condition 3"]
    report = compare("s", TRACE, expected(), spans, [])
    assert kinds(report) == ["missing_step"]
    deviation = report.deviations[0]
    assert deviation.step_id == "condition 3"
    assert "condition 3" in deviation.message and "did not happen" in deviation.message
    (missing,) = [row for row in report.rows if row.state == "missing"]
    assert missing.step_id == "condition 3" and missing.offset_ns is None


def test_wrong_order_names_the_step_out_of_place() -> None:
    path = list(PORTAL_PATH)
    spans = spans_for(path)
    # condition 2 runs before process 3
    swapped = [
        step_span("condition 2", "egov-portal", 25) if s.step_id == "condition 2" else s for s in spans
    ]
    report = compare("s", TRACE, expected(), swapped, [])
    assert kinds(report) == ["out_of_order"]
    deviation = report.deviations[0]
    assert deviation.step_id in ("condition 2", "process 3")
    assert "order" in deviation.message
    assert any(row.state == "out_of_order" for row in report.rows)


def test_wrong_system_is_named() -> None:
    spans = [
        step_span("process 6", "egov-portal", 60) if s.step_id == "process 6" else s for s in spans_for()
    ]
    report = compare("s", TRACE, expected(), spans, [])
    assert kinds(report) == ["wrong_system"]
    assert report.deviations[0].step_id == "process 6"
    assert "egov-portal" in report.deviations[0].message
    assert "phc-registry" in report.deviations[0].message


def test_unexpected_step_is_named() -> None:
    spans = [*spans_for(), step_span("process 7", "phc-registry", 75)]
    report = compare("s", TRACE, expected(), spans, [])
    assert kinds(report) == ["unexpected_step"]
    assert report.deviations[0].step_id == "process 7"
    assert "does not expect" in report.deviations[0].message
    assert [row.step_id for row in report.rows if row.state == "unexpected"] == ["process 7"]


def test_a_step_repeated_later_is_unexpected_but_consecutive_spans_are_one_step() -> None:
    spans = spans_for()
    # process 8 both formed by РПН and shown by the portal: consecutive spans, one step
    spans.append(step_span("process 8", "egov-portal", 85))
    report = compare("s", TRACE, expected(), spans, [])
    assert report.ok, report.deviations
    row = report.rows[-1]
    assert row.step_id == "process 8" and len(row.spans) == 2
    assert row.duration_ns == (85 + 5 - 80) * MS
    # process 1 again at the end: a repeat the scenario does not expect
    again = compare("s", TRACE, expected(), [*spans, step_span("process 1", "egov-portal", 95)], [])
    assert kinds(again) == ["unexpected_step"]
    assert "again" in again.deviations[0].message


def test_steps_of_other_services_and_plain_spans_are_ignored() -> None:
    other = step_span("process 4", "egov-portal", 55, regulation="H2")
    plain = ObservedSpan(TRACE, "00000000000000aa", "", "gateway-shep", "ШЭП parse", T0, T0 + MS)
    report = compare("s", TRACE, expected(), [*spans_for(), other, plain], [])
    assert report.ok


def test_system_from_service_name_when_no_system_attribute() -> None:
    spans = [
        ObservedSpan(
            s.trace_id,
            s.span_id,
            "",
            s.service,
            s.name,
            s.start_ns,
            s.end_ns,
            "unset",
            {k: v for k, v in s.attributes.items() if k != "egov.system"},
        )
        for s in spans_for()
    ]
    assert compare("s", TRACE, expected(), spans, []).ok


def test_system_names_are_one_spelling() -> None:
    assert (
        system_key("EGOV_PORTAL") == system_key("egov-portal") == system_key("egov_portal") == "egov-portal"
    )
    assert system_key("GBDFL") == "gbd-fl-mock"
    assert system_key(None) == ""


def test_norm_is_informational() -> None:
    spans = spans_for()
    spans[0] = step_span("process 1", "egov-portal", 10, duration_ms=61_000)
    spans = [spans[0]] + [
        step_span(s.step_id or "", s.system, 61_020 + i * 10) for i, s in enumerate(spans[1:])
    ]
    report = compare("s", TRACE, expected(), spans, [])
    assert report.ok
    assert report.rows[0].over_norm is True
    assert report.rows[1].over_norm is False


def test_ШЭП_message_id_of_a_step_comes_from_client_spans_below_it() -> None:
    spans = spans_for()
    process_5 = next(s for s in spans if s.step_id == "process 5")
    client = ObservedSpan(
        TRACE,
        "00000000000000c1",
        process_5.span_id,
        "egov-portal",
        "ШЭП sendMessage RPN_Attachment REQUEST",
        process_5.start_ns + MS,
        process_5.end_ns,
        attributes={"shep.message_id": "m-2", "shep.service_id": "RPN_Attachment"},
    )
    entries = journal(
        ("RPN_MedicalOrganizationsSync", None, "inbound", "EGOV_PORTAL", "PHC_REGISTRY"),
        ("RPN_Attachment", "REQUEST", "inbound", "EGOV_PORTAL", "PHC_REGISTRY"),
    )
    report = compare("s", TRACE, expected(), [*spans, client], entries)
    row = next(r for r in report.rows if r.step_id == "process 5")
    assert row.message_ids == ("m-2",)
    assert next(r for r in report.rows if r.step_id == "process 3").message_ids == ()


JOURNAL_OK = (
    ("RPN_MedicalOrganizationsSync", None, "inbound", "EGOV_PORTAL", "PHC_REGISTRY"),
    ("RPN_Attachment", "REQUEST", "inbound", "EGOV_PORTAL", "PHC_REGISTRY"),
    ("RPN_Attachment", "REQUEST", "forwarded", "EGOV_PORTAL", "PHC_REGISTRY"),
    ("RPN_Attachment", "UPDATE", "inbound", "PHC_REGISTRY", "EGOV_PORTAL"),
    ("GBDFL_UniversalServiceSync", None, "inbound", "PHC_REGISTRY", "GBDFL"),
    ("RPN_Attachment", "RESPONSE", "inbound", "PHC_REGISTRY", "EGOV_PORTAL"),
)
EXPECTED_MESSAGES = (
    ExpectedMessage("RPN_Attachment", "REQUEST", "inbound", sender="EGOV_PORTAL"),
    ExpectedMessage("RPN_Attachment", "UPDATE", "inbound", sender="PHC_REGISTRY"),
    ExpectedMessage("GBDFL_UniversalServiceSync", direction="inbound"),
    ExpectedMessage("RPN_Attachment", "RESPONSE", "inbound"),
)


def test_journal_expectations_are_an_ordered_subsequence() -> None:
    report = compare("s", TRACE, expected(journal=EXPECTED_MESSAGES), spans_for(), journal(*JOURNAL_OK))
    assert report.ok, report.deviations


def test_missing_and_out_of_order_messages() -> None:
    without_update = [row for row in JOURNAL_OK if row[1] != "UPDATE"]
    report = compare("s", TRACE, expected(journal=EXPECTED_MESSAGES), spans_for(), journal(*without_update))
    assert kinds(report) == ["missing_message"]
    assert "RPN_Attachment UPDATE inbound" in report.deviations[0].message

    response_first = [JOURNAL_OK[-1], *JOURNAL_OK[:-1]]
    report = compare("s", TRACE, expected(journal=EXPECTED_MESSAGES), spans_for(), journal(*response_first))
    assert kinds(report) == ["message_out_of_order"]
    assert "RESPONSE" in report.deviations[0].message


def test_forbidden_service_and_unexpected_rejection() -> None:
    entries = journal(("RPN_Attachment", "REQUEST", "inbound", "EGOV_PORTAL", "PHC_REGISTRY"))
    report = compare("s", TRACE, expected(absent_services=("RPN_Attachment",)), spans_for(), entries)
    assert kinds(report) == ["forbidden_message"]
    assert "must not be called" in report.deviations[0].message

    rejected = journal(("RPN_Attachment", "REQUEST", "rejected", "EGOV_PORTAL", None), status="rejected")
    report = compare("s", TRACE, expected(), spans_for(), rejected)
    assert kinds(report) == ["rejected_message"]
    allowed = ExpectedMessage("RPN_Attachment", direction="rejected")
    assert compare("s", TRACE, expected(allowed_rejections=(allowed,)), spans_for(), rejected).ok


def test_final_status_result_and_actions() -> None:
    outcome = Outcome(
        actions=(
            ActionRecord("login", ok=True, expected="ok"),
            ActionRecord("submit", ok=True, expected="refused"),
            ActionRecord("draft", ok=False, expected="ok", error_code="FORM_INVALID"),
            ActionRecord("register", ok=False, expected="any"),
        ),
        final_status="refused",
        result_kind="refusal",
    )
    report = compare("s", TRACE, expected(status=("done",), result="talon"), spans_for(), [], outcome)
    messages = [str(d) for d in report.deviations]
    assert kinds(report) == ["action", "action", "status", "result"]
    assert "submit passed, the scenario expects it refused" in messages[0]
    assert "draft was refused (FORM_INVALID)" in messages[1]
    assert "final status refused, expected done" in messages[2]
    assert "result refusal, expected talon" in messages[3]
    fine = Outcome(final_status="DONE", result_kind="talon")
    assert compare("s", TRACE, expected(status=("done",), result="talon"), spans_for(), [], fine).ok
    assert compare("s", TRACE, expected(result="none"), spans_for(), [], Outcome()).ok


def test_driver_error_is_a_deviation() -> None:
    report = compare("s", TRACE, expected(), spans_for(), [], Outcome(error="portal unreachable"))
    assert kinds(report) == ["action"]


def test_nothing_observed_reports_every_step_missing() -> None:
    report = compare("s", TRACE, expected(), [], [])
    assert kinds(report) == ["missing_step"] * len(PORTAL_PATH)
    assert report.start_ns == 0
