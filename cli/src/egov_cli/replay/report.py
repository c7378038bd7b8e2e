"""Show a replay: a rich table on the terminal, and an HTML report with a drawn sequence diagram.

The HTML report is one self-contained file (``var/replay/<scenario>-<timestamp>.html``): the verdict
and deviations, the step table (id, titles in English, Russian and Kazakh, system, ШЭП message id,
start offset, duration, norm), an inline SVG sequence diagram (a lifeline per system; an arrow per
user action and per ШЭП hop from the journal; each step a labelled box on its system's lifeline),
the journal entries and the user's actions. ``var/replay/index.html`` lists a ``--all`` run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from rich.table import Table
from rich.text import Text

from egov_cli.replay.compare import JournalRecord, Report, StepRow, system_key

ACTOR = {"portal": "recipient", "provider": "employee"}
CORE_LIFELINES = ("egov-portal", "gateway-shep", "phc-registry", "gbd-fl-mock")
GATEWAY = "gateway-shep"

_STATE_COLOURS = {
    "ok": ("#e7f5ea", "#2e7d32"),
    "missing": ("#f5f5f5", "#9e9e9e"),
    "out_of_order": ("#fdecea", "#c62828"),
    "wrong_system": ("#fdecea", "#c62828"),
    "unexpected": ("#fff3e0", "#ef6c00"),
}
_RICH_STATES = {
    "ok": "[green]ok[/green]",
    "missing": "[red]missing[/red]",
    "out_of_order": "[red]out of order[/red]",
    "wrong_system": "[red]wrong system[/red]",
    "unexpected": "[yellow]unexpected[/yellow]",
}


def format_offset(ns: int | None) -> str:
    return "—" if ns is None else f"+{ns / 1e9:.3f} s"


def format_duration(ns: int | None) -> str:
    if ns is None:
        return "—"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.0f} ms"
    return f"{ns / 1e9:.2f} s"


def _title(row: StepRow, lang: str) -> str:
    if row.expected is not None:
        return getattr(row.expected, f"title_{lang}") or (row.expected.title_en if lang == "en" else "")
    if row.spans and lang == "en":
        value = row.spans[0].attributes.get("egov.step.title")
        if value:
            return str(value)
        _, _, rest = row.spans[0].name.partition(": ")
        return rest
    return ""


def step_table(report: Report) -> Table:
    """The terminal table: step id, title (en + ru), system, message id, time, duration, norm, state."""
    table = Table(
        title=f"{report.scenario_id}  trace {report.trace_id}",
        title_justify="left",
        show_lines=False,
    )
    table.add_column("step", no_wrap=True, style="bold")
    table.add_column("title (en / ru)", min_width=24, ratio=3)
    table.add_column("system", overflow="fold", ratio=1)
    table.add_column("ШЭП message", overflow="fold", ratio=1)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("norm", overflow="fold", ratio=1)
    table.add_column("", no_wrap=True)
    for row in report.rows:
        title = Text(_title(row, "en"))
        russian = _title(row, "ru")
        if russian:
            title.append("\n" + russian, style="dim")
        duration = format_duration(row.duration_ns)
        if row.over_norm:
            duration = f"[yellow]{duration} ▲[/yellow]"
        table.add_row(
            Text(row.step_id),
            title,
            Text(row.system),
            Text("\n".join(row.message_ids) or "—"),
            format_offset(row.offset_ns),
            duration,
            Text(row.expected.norm if row.expected and row.expected.norm else "—"),
            _RICH_STATES[row.state],
        )
    return table


# --- the sequence diagram ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    at_ns: int
    order: int
    kind: str  # "action", "hop", "step"
    source: str
    target: str
    label: str
    tooltip: str
    style: str  # "ok", "refused", or a step state


def _entry_endpoints(entry: JournalRecord) -> tuple[str, str]:
    sender = system_key(entry.sender_id) or "?"
    recipient = system_key(entry.recipient_id) or "?"
    if entry.direction == "inbound":
        return sender, GATEWAY
    if entry.direction == "forwarded":
        return GATEWAY, recipient
    if entry.direction == "reply_inbound":
        return sender, GATEWAY
    if entry.direction == "reply_outbound":
        return GATEWAY, recipient
    return GATEWAY, sender  # rejected: the fault goes back to the sender


def _entry_label(entry: JournalRecord) -> str:
    if entry.status == "received" and entry.direction == "inbound" and not entry.message_type:
        what = "delivery notification"
    else:
        what = entry.message_type or ("reply" if entry.direction.startswith("reply") else "request")
    label = f"{entry.service_id or '?'} {what}"
    if entry.status in ("rejected", "failed"):
        label += f" ✗ {entry.error_code or entry.status}"
    return label


def _events(report: Report, clock_offset_ns: int) -> list[_Event]:
    actor = ACTOR.get(report.expectation.channel, "user")
    events: list[_Event] = []
    order = 0
    for action in report.outcome.actions:
        order += 1
        events.append(
            _Event(
                action.start_ns,
                order,
                "action",
                actor,
                system_key(action.target) or actor,
                action.name.replace("_", " "),
                f"{action.name}: {action.detail}" + (f" ({action.error_code})" if action.error_code else ""),
                "ok" if action.ok else "refused",
            )
        )
    last_ns = report.start_ns
    for entry in report.journal:
        order += 1
        created = entry.created_ns
        at = created - clock_offset_ns if created is not None else last_ns
        last_ns = at
        source, target = _entry_endpoints(entry)
        events.append(
            _Event(
                at,
                order,
                "hop",
                source,
                target,
                _entry_label(entry),
                f"#{entry.id} {entry.direction} {entry.status} messageId {entry.message_id}"
                + (f" correlationId {entry.correlation_id}" if entry.correlation_id else ""),
                "refused" if entry.status in ("rejected", "failed") else "ok",
            )
        )
    for row in report.rows:
        if row.start_ns is None:
            continue
        order += 1
        system = system_key(row.system) or "?"
        events.append(
            _Event(
                row.start_ns,
                order,
                "step",
                system,
                system,
                row.step_id,
                f"{row.step_id}: {_title(row, 'en')} / {_title(row, 'ru')} / {_title(row, 'kk')}"
                f" — {format_duration(row.duration_ns)}",
                row.state,
            )
        )
    return sorted(events, key=lambda event: (event.at_ns, event.order))


def sequence_svg(report: Report, *, clock_offset_ns: int = 0) -> str:
    """An inline SVG sequence diagram of the replay (lifelines, hops, actions, step boxes)."""
    actor = ACTOR.get(report.expectation.channel, "user")
    events = _events(report, clock_offset_ns)
    lifelines: list[str] = [actor, *CORE_LIFELINES]
    for event in events:
        for name in (event.source, event.target):
            if name not in lifelines:
                lifelines.append(name)
    missing = [row for row in report.rows if row.start_ns is None]
    for row in missing:
        name = system_key(row.system) or "?"
        if name not in lifelines:
            lifelines.append(name)

    lane, margin, head, row_height = 170, 20, 56, 30
    x_of = {name: margin + lane * index + lane // 2 for index, name in enumerate(lifelines)}
    rows = len(events) + (len(missing) + 1 if missing else 0)
    width = margin * 2 + lane * len(lifelines)
    height = head + row_height * (rows + 1) + 20
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img" '
        f'aria-label="sequence diagram of {escape(report.scenario_id)}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#455a64"/></marker>'
        '<marker id="arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#c62828"/></marker>'
        "</defs>",
    ]
    for name, x in x_of.items():
        parts.append(
            f'<g class="lifeline" data-system="{escape(name)}">'
            f'<rect x="{x - lane // 2 + 8}" y="10" width="{lane - 16}" height="28" rx="4" '
            f'fill="#eceff1" stroke="#607d8b"/>'
            f'<text x="{x}" y="29" text-anchor="middle" font-weight="bold">{escape(name)}</text>'
            f'<line x1="{x}" y1="38" x2="{x}" y2="{height - 10}" stroke="#90a4ae" stroke-dasharray="4 4"/>'
            "</g>"
        )
    y = head
    for event in events:
        y += row_height
        if event.kind == "step":
            fill, stroke = _STATE_COLOURS.get(event.style, _STATE_COLOURS["ok"])
            x = x_of[event.source]
            parts.append(
                f'<g class="step" data-step="{escape(event.label)}" data-state="{escape(event.style)}">'
                f"<title>{escape(event.tooltip)}</title>"
                f'<rect x="{x - 70}" y="{y - 17}" width="140" height="22" rx="3" fill="{fill}" '
                f'stroke="{stroke}"/>'
                f'<text x="{x}" y="{y - 2}" text-anchor="middle">{escape(event.label)}</text></g>'
            )
            continue
        x1, x2 = x_of[event.source], x_of[event.target]
        refused = event.style == "refused"
        colour = "#c62828" if refused else "#455a64"
        dash = ' stroke-dasharray="6 3"' if refused or event.kind == "action" else ""
        marker = "arrow-red" if refused else "arrow"
        if x1 == x2:  # a message to itself: a small loop
            path = f"M {x1} {y - 6} h 30 v 12 h -30"
            parts.append(
                f'<g class="{event.kind}"><title>{escape(event.tooltip)}</title>'
                f'<path d="{path}" fill="none" stroke="{colour}"{dash} marker-end="url(#{marker})"/>'
                f'<text x="{x1 + 34}" y="{y - 2}">{escape(event.label)}</text></g>'
            )
            continue
        parts.append(
            f'<g class="{event.kind}"><title>{escape(event.tooltip)}</title>'
            f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" stroke-width="1.5"{dash} '
            f'marker-end="url(#{marker})"/>'
            f'<text x="{(x1 + x2) / 2}" y="{y - 5}" text-anchor="middle" fill="{colour}">'
            f"{escape(event.label)}</text></g>"
        )
    if missing:
        y += row_height
        parts.append(f'<text x="{margin}" y="{y}" fill="#9e9e9e">expected, not observed:</text>')
        for row in missing:
            y += row_height
            x = x_of[system_key(row.system) or "?"]
            parts.append(
                f'<g class="step missing" data-step="{escape(row.step_id)}" data-state="missing">'
                f"<title>{escape(row.step_id)}: {escape(_title(row, 'en'))}</title>"
                f'<rect x="{x - 70}" y="{y - 17}" width="140" height="22" rx="3" fill="#fafafa" '
                f'stroke="#9e9e9e" stroke-dasharray="4 3"/>'
                f'<text x="{x}" y="{y - 2}" text-anchor="middle" fill="#757575">'
                f"{escape(row.step_id)}</text></g>"
            )
    parts.append("</svg>")
    return "".join(parts)


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body { font-family: sans-serif; margin: 24px; color: #263238; }
h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin-top: 28px; }
.titles div { color: #546e7a; } .verdict { font-weight: bold; padding: 6px 10px; display: inline-block; }
.ok { background: #e7f5ea; color: #2e7d32; } .deviates { background: #fdecea; color: #c62828; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #cfd8dc; padding: 4px 8px;
vertical-align: top; text-align: left; } th { background: #eceff1; } .dim { color: #78909c; }
tr.missing td { color: #9e9e9e; } tr.unexpected td { background: #fff3e0; }
tr.out_of_order td, tr.wrong_system td { background: #fdecea; } .over { color: #ef6c00; }
.diagram { overflow-x: auto; border: 1px solid #cfd8dc; padding: 8px; }
code { font-size: 12px; }
"""


def _html_steps(report: Report) -> str:
    lines = [
        "<table class='steps'><tr><th>step</th><th>title (en / ru / kk)</th><th>system</th>"
        "<th>ШЭП message</th><th>time</th><th>duration</th><th>norm</th><th>state</th></tr>"
    ]
    for row in report.rows:
        over = " <span class='over' title='longer than the norm'>▲</span>" if row.over_norm else ""
        titles = "".join(
            f"<div class='{'dim' if lang != 'en' else ''}'>{escape(_title(row, lang))}</div>"
            for lang in ("en", "ru", "kk")
            if _title(row, lang)
        )
        lines.append(
            f"<tr class='{escape(row.state)}'><td><b>{escape(row.step_id)}</b></td><td>{titles}</td>"
            f"<td>{escape(row.system)}</td>"
            f"<td><code>{'<br>'.join(escape(m) for m in row.message_ids) or '—'}</code></td>"
            f"<td>{format_offset(row.offset_ns)}</td><td>{format_duration(row.duration_ns)}{over}</td>"
            f"<td>{escape(row.expected.norm if row.expected and row.expected.norm else '—')}</td>"
            f"<td>{escape(row.state.replace('_', ' '))}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def _html_journal(report: Report) -> str:
    if not report.journal:
        return "<p class='dim'>No journal entries of this trace.</p>"
    lines = [
        "<table class='journal'><tr><th>#</th><th>messageId</th><th>service</th><th>type</th>"
        "<th>direction</th><th>from → to</th><th>status</th><th>error</th><th>at</th></tr>"
    ]
    for entry in report.journal:
        lines.append(
            f"<tr><td>{entry.id}</td><td><code>{escape(entry.message_id or '—')}</code></td>"
            f"<td>{escape(entry.service_id or '—')}</td><td>{escape(entry.message_type or '—')}</td>"
            f"<td>{escape(entry.direction)}</td>"
            f"<td>{escape(entry.sender_id or '?')} → {escape(entry.recipient_id or '?')}</td>"
            f"<td>{escape(entry.status)}</td><td>{escape(entry.error_code or '')}</td>"
            f"<td>{escape(entry.created_at)}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def _html_actions(report: Report) -> str:
    if not report.outcome.actions:
        return "<p class='dim'>No actions were carried out.</p>"
    lines = ["<table class='actions'><tr><th>action</th><th>expected</th><th>result</th><th>detail</th></tr>"]
    for action in report.outcome.actions:
        result = "ok" if action.ok else f"refused {action.error_code or ''}"
        lines.append(
            f"<tr><td>{escape(action.name)}</td><td>{escape(action.expected)}</td>"
            f"<td>{escape(result)}</td><td>{escape(action.detail)}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def render_html(
    report: Report,
    *,
    titles: dict[str, str] | None = None,
    notes: Sequence[str] = (),
    clock_offset_ns: int = 0,
) -> str:
    titles = titles or {}
    verdict = (
        "<span class='verdict ok'>follows the regulation</span>"
        if report.ok
        else f"<span class='verdict deviates'>{len(report.deviations)} deviation(s)</span>"
    )
    deviations = "".join(f"<li>{escape(str(d))}</li>" for d in report.deviations)
    note_items = "".join(f"<li>{escape(note)}</li>" for note in notes)
    expectation = report.expectation
    status = report.outcome.final_status or "—"
    result = report.outcome.result_kind or "—"
    title_lines = "".join(
        f"<div>{escape(titles[lang])}</div>" for lang in ("en", "ru", "kk") if titles.get(lang)
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>replay {escape(report.scenario_id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>replay {escape(report.scenario_id)}</h1>",
        f"<div class='titles'>{title_lines}</div>",
        f"<p>regulation <b>{escape(expectation.regulation)}</b>, "
        f"channel <b>{escape(expectation.channel)}</b>, trace <code>{escape(report.trace_id)}</code>; "
        f"final status <b>{escape(status)}</b>, result <b>{escape(result)}</b>; applications "
        f"{escape(', '.join(report.outcome.application_ids) or '—')}</p>",
        f"<p>{verdict}</p>",
    ]
    if deviations:
        parts.append(f"<h2>Deviations</h2><ul class='deviations'>{deviations}</ul>")
    if note_items:
        parts.append(f"<h2>Notes</h2><ul>{note_items}</ul>")
    parts += [
        "<h2>Steps</h2>",
        _html_steps(report),
        "<h2>Sequence</h2><div class='diagram'>",
        sequence_svg(report, clock_offset_ns=clock_offset_ns),
        "</div><h2>ШЭП journal</h2>",
        _html_journal(report),
        "<h2>User actions</h2>",
        _html_actions(report),
        "</body></html>",
    ]
    return "".join(parts)


def write_html(
    report: Report,
    directory: Path,
    *,
    titles: dict[str, str] | None = None,
    notes: Sequence[str] = (),
    clock_offset_ns: int = 0,
    moment: datetime | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{report.scenario_id}-{stamp}.html"
    path.write_text(
        render_html(report, titles=titles, notes=notes, clock_offset_ns=clock_offset_ns), encoding="utf-8"
    )
    return path


def write_index(entries: Sequence[tuple[Report, Path]], directory: Path) -> Path:
    """``index.html`` of a ``--all`` run: one line per scenario with its verdict and report."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for report, path in entries:
        verdict = "ok" if report.ok else f"{len(report.deviations)} deviation(s)"
        css = "ok" if report.ok else "deviates"
        first = escape(str(report.deviations[0])) if report.deviations else ""
        rows.append(
            f"<tr><td><a href='{escape(path.name)}'>{escape(report.scenario_id)}</a></td>"
            f"<td class='{css}'>{verdict}</td><td>{first}</td></tr>"
        )
    failing = sum(1 for report, _ in entries if not report.ok)
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>egov replay --all</title>"
        f"<style>{_CSS}</style></head><body><h1>egov replay --all</h1>"
        f"<p>{len(entries)} scenario(s), {failing} deviating.</p>"
        "<table><tr><th>scenario</th><th>verdict</th><th>first deviation</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    path = directory / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
