"""What РПН's handler tests share: the step spans a request produced, and H3 requests (seed 004).

``h3_request`` builds the (unsigned) ``PHC_SanatoriumCard`` application the portal sends: one PDF
of clinical results, a main diagnosis, results examined a few days ago and the consent; ``otp``
gives it the one-time-password confirmation block (the portal then signs it with its own key).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from egov_kit.attachments import check_file
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.documents.h1 import Recipient
from egov_kit.regulations import load_regulation
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

PETROV = ("541130390295", "Петров", "Виктор", "Иванович")  # attached to ZHM-SHU-01 (seed)
KIM = ("850808490576", "Ким", "Ольга", "Викторовна")  # her only identity document expired
SHU_HEAD = "660408350111"
SHU_BIN = "061140003134"


def step_names(spans: InMemorySpanExporter) -> list[str]:
    """The names of the finished spans that carry a regulation step id, in order."""
    return [s.name for s in spans.get_finished_spans() if s.attributes and s.attributes.get("egov.step.id")]


def expected_spans(service: str, *steps: str) -> list[str]:
    """The span names the regulation of ``service`` gives the portal channel's ``steps``."""
    regulation = load_regulation(service)
    return [regulation.step("portal", step).span_name for step in steps]


def h3_request(
    person: tuple[str, ...] = PETROV,
    *,
    org: str = "ZHM-SHU-01",
    pdf: bytes = b"%PDF-1.4\n" + b"analyses " * 20,
    examined_days_ago: int = 5,
    otp: bool = False,
    **overrides: Any,
) -> etree._Element:
    """An unsigned H3 application of ``person`` to ``org``; ``overrides`` replace any field."""
    checked = check_file("analyses.pdf", "application/pdf", pdf, max_bytes=h3.MAX_FILE_BYTES)
    values: dict[str, Any] = {
        "recipient": Recipient(*person),
        "organisation_code": org,
        "diagnosis_code": "M17.1",
        "diagnosis_text": "Первичный гонартроз / Біріншілік гонартроз",
        "examined_on": now().astimezone(KZ_TZ).date() - timedelta(days=examined_days_ago),
        "files": [checked],
        "consent": True,
    }
    if otp:
        values.update(confirmation="otp", otp=h3.OtpConfirmation("+7 701 *** ** 78", now()))
    values.update(overrides)
    return h3.build_application(**values)
