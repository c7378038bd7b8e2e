"""What the scenario's action models and the driver's action mixins share.

* :class:`StrictModel` / :class:`ReplayAction` — the base of every scenario model and action
  (unknown keys refused, frozen; an action's ``outcome``: ``ok``, ``refused`` or ``any``);
* :class:`DriverPlumbing` — the base of the driver's action mixins (``H2Actions``,
  ``H3PortalActions``, ``H3ProviderActions``): it declares the driver's HTTP helpers the mixins call
  (implemented by :class:`egov_cli.replay.driver.Driver`) and waits for an application's status.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from egov_cli.replay.driver import Endpoints, KeyIssuer, RunState

Outcome = Literal["ok", "refused", "any"]
#: What an action returns: passed?, a detail for the report, the error code when refused.
Answer = tuple[bool, str, str | None]
POLL_SECONDS = 0.5


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplayAction(StrictModel):
    outcome: Outcome = Field("ok", description="ok: must pass; refused: must be refused; any: either")


class DriverPlumbing:
    """The driver's helpers its action mixins use (mixed into :class:`egov_cli.replay.driver.Driver`)."""

    if TYPE_CHECKING:
        endpoints: Endpoints
        timeout: float
        transport: httpx.BaseTransport | None

        def _post(
            self, client: httpx.Client, path: str, payload: Any, csrf: str | None
        ) -> httpx.Response: ...
        def _get(
            self, client: httpx.Client, path: str, params: Mapping[str, str] | None = None
        ) -> httpx.Response: ...
        def _client(self, base_url: str) -> httpx.Client: ...
        def _status(self, state: RunState) -> str | None: ...
        def _workstation_login(self, action: Any, state: RunState, keys: KeyIssuer) -> Answer: ...
        def _workstation_sign(self, action: Any, state: RunState, keys: KeyIssuer) -> Answer: ...
        @staticmethod
        def _answer(response: httpx.Response) -> Answer: ...

    def _await_status(
        self, state: RunState, timeout_seconds: float, until: Collection[str]
    ) -> tuple[bool, str | None]:
        """Polls the status until one of ``until`` or the time-out (kept as the final status)."""
        deadline = time.monotonic() + timeout_seconds
        status: str | None = None
        while time.monotonic() < deadline:
            status = self._status(state)
            if status in until:
                state.final_status = status
                return True, status
            time.sleep(POLL_SECONDS)
        state.final_status = status
        return False, status
