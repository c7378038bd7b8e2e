"""The report: the rich step table and the HTML page with its drawn sequence diagram."""

from __future__ import annotations

import io
import re
from pathlib import Path

from egov_cli.replay.compare import ActionRecord, JournalRecord, ObservedSpan, Outcome, compare
from egov_cli.replay.report import sequence_svg, step_table, write_html, write_index
from egov_kit.xml import parse_xml
from rich.console import Console

from tests.replay.synthetic import MS, T0, TRACE, expected, spans_for, step_span

SVG = "{http://www.w3.org/2000/svg}"


def _journal() -> list[JournalRecord]:
    rows = [
        ("inbound", "EGOV_PORTAL", "PHC_REGISTRY", "REQUEST", "accepted", None),
        ("forwarded", "EGOV_PORTAL", "PHC_REGISTRY", "REQUEST", "delivered", None),
        ("inbound", "PHC_REGISTRY", None, None, "received", None),
        ("inbound", "PHC_REGISTRY", "EGOV_PORTAL", "RESPONSE", "accepted", None),
        ("rejected", "EGOV_PORTAL", None, "REQUEST", "rejected", "CERT_REVOKED"),
    ]
    return [
        JournalRecord(
            id=i + 1,
            message_id=f"m-{i + 1}",
            correlation_id=None,
            service_id="RPN_Attachment",
            sender_id=sender,
            recipient_id=recipient,
            direction=direction,
            channel="async",
            message_type=message_type,
            status=status,
            error_code=error,
            trace_id=TRACE,
            created_at=f"2023-11-14T22:13:20.{(i + 1) * 10:03d}000+00:00",
        )
        for i, (direction, sender, recipient, message_type, status, error) in enumerate(rows)
    ]


def _report():  # type: ignore[no-untyped-def]
    spans = [s for s in spans_for() if s.step_id != "condition 3"]
    spans.append(step_span("process 7", "phc-registry", 75))
    spans.append(
        ObservedSpan(TRACE, "00000000000000e1", "", "enis-mock", "plain", T0, T0 + MS, attributes={})
    )
    outcome = Outcome(
        actions=(
            ActionRecord("login", True, "ok", "HTTP 200", start_ns=T0 + 1 * MS, target="egov-portal"),
            ActionRecord(
                "submit", False, "ok", "HTTP 400", "CERT_REVOKED", T0 + 40 * MS, target="egov-portal"
            ),
        ),
        final_status="refused",
        application_ids=("APP-1",),
    )
    return compare("h1_portal_success", TRACE, expected(), spans, _journal(), outcome, start_ns=T0)


def test_html_has_a_lifeline_per_system_steps_and_hops(tmp_path: Path) -> None:
    report = _report()
    path = write_html(
        report,
        tmp_path / "replay",
        titles={"en": "English title", "ru": "Русское название", "kk": "Қазақша атауы"},
    )
    assert path.parent == tmp_path / "replay"
    assert re.fullmatch(r"h1_portal_success-\d{8}T\d{6}\d{6}Z\.html", path.name)
    html = path.read_text(encoding="utf-8")
    assert html.count("<svg") == 1
    for text in ("English title", "Русское название", "Қазақша атауы", TRACE, "deviation(s)"):
        assert text in html
    assert "название condition 1" in html and "атауы condition 1" in html  # ru and kk step titles
    svg_text = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    svg = parse_xml(svg_text)  # well-formed
    lifelines = [g.get("data-system") for g in svg.iter(f"{SVG}g") if g.get("class") == "lifeline"]
    assert lifelines[:5] == ["recipient", "egov-portal", "gateway-shep", "phc-registry", "gbd-fl-mock"]
    steps = {
        g.get("data-step"): g.get("data-state")
        for g in svg.iter(f"{SVG}g")
        if "step" in (g.get("class") or "")
    }
    assert steps["process 1"] == "ok"
    assert steps["process 7"] == "unexpected"
    assert steps["condition 3"] == "missing"
    hops = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "hop"]
    assert len(hops) == len(report.journal)
    labels = " ".join("".join(g.itertext()) for g in hops)
    assert (
        "RPN_Attachment REQUEST" in labels and "delivery notification" in labels and "CERT_REVOKED" in labels
    )
    actions = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "action"]
    assert len(actions) == 2


def test_provider_channel_draws_the_employee(tmp_path: Path) -> None:
    report = compare(
        "h1_provider_success",
        TRACE,
        expected([("step 1", "phc-registry")], channel="provider"),
        [step_span("step 1", "phc-registry", 1)],
        [],
    )
    svg = parse_xml(sequence_svg(report))
    lifelines = [g.get("data-system") for g in svg.iter(f"{SVG}g") if g.get("class") == "lifeline"]
    assert lifelines[0] == "employee"


def test_html_escapes_what_it_shows(tmp_path: Path) -> None:
    report = compare("s", TRACE, expected([("process 1", "<script>alert(1)</script>")]), [], [])
    html = write_html(report, tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_index_lists_every_scenario(tmp_path: Path) -> None:
    ok = compare("a_ok", TRACE, expected(), spans_for(), [])
    bad = _report()
    index = write_index([(ok, tmp_path / "a.html"), (bad, tmp_path / "b.html")], tmp_path)
    html = index.read_text(encoding="utf-8")
    assert index.name == "index.html"
    assert "a_ok" in html and "h1_portal_success" in html and "1 deviating" in html
    assert "href='a.html'" in html


def test_rich_table_shows_ids_titles_systems_and_times() -> None:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(step_table(_report()))
    text = console.export_text()
    for expected_text in (
        "process 1",
        "title of process 1",
        "название process 1",
        "phc-registry",
        "+0.010 s",
        "5 ms",
        "30 s – 1 min",
        "missing",
        "unexpected",
    ):
        assert expected_text in text, expected_text
