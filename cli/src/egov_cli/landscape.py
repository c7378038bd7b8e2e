"""Start, watch and stop the whole landscape as separate processes (no Docker).

Used by `egov run` (the documented ports) and by the integration tests (the same processes, moved
by a port offset into their own state folder and broker virtual host). Processes start in
dependency order: nuc-mock first (every other service enrols its certificate there), then the
gateway, then the providers; each counts as started when its `GET /healthz` answers 200.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port: int
    system_id: str | None = None
    stage: int = 1  # start order: all of stage 0 healthy before stage 1 starts, and so on
    args: tuple[str, ...] = ()


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("nuc-mock", "nuc_mock", 8103, None, stage=0),
    ServiceSpec("trace-sink", "trace_sink", 4318, None, stage=0),
    ServiceSpec("sms-gateway", "sms_gateway", 8107, None, stage=0),
    ServiceSpec("gateway-shep", "gateway_shep", 8100, "SHEP", stage=1),
    # The citizen's side: NCALayer's port, with keys nuc-mock issues for the test persons.
    ServiceSpec("signer", "egov_cli.signer", 13579, None, stage=1, args=("--issue-test-persons",)),
    ServiceSpec("gbd-fl-mock", "gbd_fl_mock", 8101, "GBDFL", stage=2),
    ServiceSpec("enis-mock", "enis_mock", 8102, "ENIS", stage=2),
    ServiceSpec("phc-registry", "phc_registry", 8104, "PHC_REGISTRY", stage=2),
    ServiceSpec("egov-portal", "egov_portal", 8000, "EGOV_PORTAL", stage=3),
)


class LandscapeError(RuntimeError):
    pass


@dataclass
class Landscape:
    var_dir: Path
    amqp_url: str
    port_offset: int = 0
    services: tuple[ServiceSpec, ...] = SERVICES
    echo: bool = False
    extra_env: Mapping[str, str] = field(default_factory=dict)
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)

    def port(self, name: str) -> int:
        return self.spec(name).port + self.port_offset

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    def spec(self, name: str) -> ServiceSpec:
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def env_for(self, spec: ServiceSpec) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "EGOV_VAR_DIR": str(self.var_dir),
                "AMQP_URL": self.amqp_url,
                "SHEP_URL": self.url("gateway-shep")
                if self._has("gateway-shep")
                else env.get("SHEP_URL", ""),
                "NUC_URL": self.url("nuc-mock"),
                "PORT": str(spec.port + self.port_offset),
                "OTEL_SERVICE_NAME": spec.name,
                "PYTHONUNBUFFERED": "1",
                # Spans reach the trace-sink within half a second (the SDK's default batch is 5 s).
                "OTEL_BSP_SCHEDULE_DELAY": os.environ.get("OTEL_BSP_SCHEDULE_DELAY", "500"),
            }
        )
        if spec.system_id:
            env.setdefault("SHEP_SENDER_PASSWORD", f"{spec.system_id.lower()}-dev-secret")
            env["SHEP_SENDER_PASSWORD"] = os.environ.get(
                f"SHEP_SENDER_PASSWORD_{spec.system_id}", f"{spec.system_id.lower()}-dev-secret"
            )
        if spec.name == "egov-portal" and self._has("signer"):
            env["PORTAL_SIGNER_URL"] = f"ws://127.0.0.1:{self.port('signer')}/"
        if spec.name == "egov-portal" and self._has("sms-gateway"):
            env["PORTAL_SMS_GATEWAY_URL"] = self.url("sms-gateway")  # one-time passwords (H3)
        if self._has("trace-sink") and "OTEL_EXPORTER_OTLP_ENDPOINT" not in self.extra_env:
            # Every service exports its spans to the landscape's own trace-sink (read by `egov replay`).
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.url("trace-sink")
        env.update(self.extra_env)
        return env

    def _has(self, name: str) -> bool:
        return any(spec.name == name for spec in self.services)

    def start(self, timeout: float = 120.0) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        (self.var_dir / "logs").mkdir(exist_ok=True)
        for stage in sorted({spec.stage for spec in self.services}):
            batch = [spec for spec in self.services if spec.stage == stage]
            for spec in batch:
                self._spawn(spec)
            self.wait_healthy([spec.name for spec in batch], timeout=timeout)

    def _spawn(self, spec: ServiceSpec) -> None:
        if _port_in_use(spec.port + self.port_offset):
            raise LandscapeError(
                f"port {spec.port + self.port_offset} for {spec.name} is already in use "
                "(another landscape running? stop it first)"
            )
        log_path = self.var_dir / "logs" / f"{spec.name}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", spec.package, *spec.args],
            env=self.env_for(spec),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._procs[spec.name] = proc
        assert proc.stdout is not None
        thread = threading.Thread(
            target=_pump, args=(proc.stdout, log_path, spec.name if self.echo else None), daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def wait_healthy(self, names: Iterable[str], timeout: float) -> None:
        pending = set(names)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name in sorted(pending):
                    proc = self._procs.get(name)
                    if proc is not None and proc.poll() is not None:
                        raise LandscapeError(
                            f"{name} exited with {proc.returncode}; see {self.log_path(name)}"
                        )
                    try:
                        if client.get(self.url(name) + "/healthz").status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                if not pending:
                    return
                if time.monotonic() > deadline:
                    tails = "\n".join(f"--- {n}\n{self.tail(n)}" for n in sorted(pending))
                    raise LandscapeError(f"not healthy after {timeout:.0f}s: {sorted(pending)}\n{tails}")
                time.sleep(0.25)

    def log_path(self, name: str) -> Path:
        return self.var_dir / "logs" / f"{name}.log"

    def tail(self, name: str, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path(name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        # Providers first, the CA last: the reverse of the start order.
        for spec in sorted(self.services, key=lambda s: -s.stage):
            proc = self._procs.get(spec.name)
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self._procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for thread in self._threads:
            thread.join(timeout=2)
        self._procs.clear()

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self._procs.items()}

    def kill(self, name: str) -> None:
        """Stop one service abruptly (tests of crash behaviour)."""
        proc = self._procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, name: str, timeout: float = 60.0) -> None:
        proc = self._procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        self._spawn(self.spec(name))
        self.wait_healthy([name], timeout=timeout)


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pump(stream: IO[bytes], log_path: Path, prefix: str | None) -> None:
    with log_path.open("ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()
            if prefix is not None:
                sys.stdout.write(f"[{prefix:>12}] {line.decode(errors='replace')}")
                sys.stdout.flush()
