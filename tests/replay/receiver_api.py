"""trace-sink's query API (``GET /api/traces/{trace_id}``) over the tests' in-memory OTLP receiver.

The session's landscape exports every span to :class:`tests.support.otlp.OtlpReceiver`; serving the
same JSON as trace-sink from those spans lets ``egov replay`` run unchanged against that landscape.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.otlp import OtlpReceiver


class ReceiverTraceApi:
    def __init__(self, receiver: OtlpReceiver) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = api.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.receiver = receiver
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReceiverTraceApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def answer(self, path: str) -> tuple[int, dict[str, object]]:
        prefix = "/api/traces/"
        if not path.startswith(prefix):
            return 404, {"error": "NOT_FOUND"}
        trace_id = path[len(prefix) :].lower()
        spans = sorted(self.receiver.trace(trace_id), key=lambda span: span.start_ns)
        if not spans:
            return 404, {"error": "TRACE_NOT_FOUND"}
        return 200, {
            "trace_id": trace_id,
            "spans": [
                {
                    "trace_id": span.trace_id,
                    "span_id": span.span_id,
                    "parent_span_id": span.parent_span_id,
                    "service": span.service,
                    "name": span.name,
                    "start_ns": span.start_ns,
                    "end_ns": span.end_ns,
                    "status": "unset",
                    "attributes": span.attributes,
                }
                for span in spans
            ],
        }
