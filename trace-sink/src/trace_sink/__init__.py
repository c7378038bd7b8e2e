"""trace-sink: a small OTLP/HTTP span store for `make run` and `egov replay` (no Jaeger needed).

Services export spans to ``POST /v1/traces`` (protobuf or JSON ``ExportTraceServiceRequest``); the
spans land in SQLite (``var/trace-sink/db.sqlite``) with the step and application attributes in
indexed columns, and are read back with ``GET /api/traces/{trace_id}`` and ``GET /api/spans``.
"""
