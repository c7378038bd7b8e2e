"""The two things trace-sink does: take an export in, answer questions about stored spans."""

from __future__ import annotations

from dataclasses import dataclass

from trace_sink.adapters.otlp import decompress, parse_request, spans_of
from trace_sink.adapters.repository import SpanRepository
from trace_sink.domain.model import SpanQuery, SpanRecord


@dataclass
class SpanStore:
    repository: SpanRepository
    max_spans: int
    max_request_bytes: int

    def ingest(self, body: bytes, *, content_type: str | None, content_encoding: str | None) -> int:
        """Decode one OTLP export and store its spans; returns the number of spans received.

        Raises :class:`~trace_sink.domain.model.MalformedExport` when the body cannot be read.
        """
        data = decompress(body, content_encoding, limit=self.max_request_bytes)
        spans = spans_of(parse_request(data, content_type))
        stored = self.repository.add_many(spans)
        if stored:
            self.repository.prune(self.max_spans, slack=max(1, self.max_spans // 100))
        return stored

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return self.repository.trace(trace_id)

    def search(self, query: SpanQuery) -> list[SpanRecord]:
        return self.repository.search(query)
