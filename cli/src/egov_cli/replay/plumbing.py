"""What the scenario's action models and the driver's action mixins share.

* :class:`StrictModel` / :class:`ReplayAction` — the base of every scenario model and action
  (unknown keys refused, frozen; an action's ``outcome``: ``ok``, ``refused`` or ``any``);
* :class:`DriverPlumbing` — the base of the driver's action mixins (``H2Actions``,
  ``H3PortalActions``, ``H3ProviderActions``): it declares the driver's HTTP helpers the mixins call
  (implemented by :class:`egov_cli.replay.driver.Driver`), waits for an application's status and
  keeps process 3's draft;
* :class:`ActionFailed` and the JSON helpers every action uses (``json_body``, ``error_code``,
  ``find_value``).
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
FINAL_STATUSES = frozenset({"done", "refused", "failed", "cancelled"})


class ActionFailed(Exception):
    """An action did not get the answer it needs to go on (the scenario stops there)."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def json_body(response: httpx.Response) -> Any:
    """The response's JSON; None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; empty when the answer is not one."""
    body = json_body(response)
    return body if isinstance(body, dict) else {}


def error_code(response: httpx.Response) -> str | None:
    """The named error of a refused request (``error``, ``code`` or ``detail.error``)."""
    body = json_body(response)
    if isinstance(body, dict):
        for key in ("error", "code"):
            if isinstance(body.get(key), str):
                return str(body[key])
        detail = body.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("error"), str):
            return str(detail["error"])
    return None


def registered_phone(state: RunState) -> str:
    """The number the recipient registers with: the scenario's, else one made of the ИИН."""
    return state.scenario.actors.recipient.phone or "+7701" + state.recipient.iin[-7:]


def find_value(data: Any, *keys: str) -> Any:
    """The first value under any of ``keys`` in nested JSON (depth first); None when absent."""
    if isinstance(data, dict):
        for key in keys:
            if key in data and data[key] not in (None, ""):
                return data[key]
        for value in data.values():
            found = find_value(value, *keys)
            if found is not None:
                return found
    elif isinstance(data, list):
        for item in data:
            found = find_value(item, *keys)
            if found is not None:
                return found
    return None


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
            self,
            client: httpx.Client,
            path: str,
            payload: Any,
            csrf: str | None,
            headers: Mapping[str, str] | None = None,
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

    @staticmethod
    def _keep_draft(state: RunState, body: Any, what: str) -> str:
        """Process 3's answer kept for ``sign``/``submit``: the application's id and unsigned XML."""
        state.application_id = find_value(body, "applicationId", "application_id")
        state.draft_xml = find_value(body, "xml")
        if not state.application_id or not state.draft_xml:
            raise ActionFailed(f"the {what} answer carries no applicationId or xml")
        state.application_ids.append(str(state.application_id))
        return f"application {state.application_id}"
