"""``python -m trace_sink``: start the OTLP/HTTP span store."""

from trace_sink.entrypoints.main import main

main()
