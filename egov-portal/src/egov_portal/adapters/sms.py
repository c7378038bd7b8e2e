"""The portal's seam to the mobile operator's SMS gateway (``sms-gateway`` mock, ``POST /api/messages``).

The portal sends the one-time password of seed 004 item 10 to the phone the recipient registered;
the gateway answers 202 with the message id. The current W3C trace context travels in the HTTP
headers (the gateway continues it). The text carries a code: it never goes to logs or spans here.
Tests put an in-memory fake with the same ``send`` in its place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from egov_kit.telemetry import inject

from egov_portal.domain.errors import PortalError

log = logging.getLogger("egov_portal")


class SmsNotSent(PortalError):
    """The SMS gateway did not accept the message (down, refused, or answered nonsense)."""

    code = "SMS_NOT_SENT"
    http_status = 503


@dataclass(frozen=True)
class SentSms:
    """What the gateway answered: its message id, the normalised number and the SMS parts."""

    id: str
    to: str
    parts: int


class SmsGateway(Protocol):
    async def send(self, *, to: str, text: str, reference: str | None = None) -> SentSms: ...


def _not_sent(detail: str) -> SmsNotSent:
    return SmsNotSent(
        f"SMS с кодом не отправлено (шлюз SMS: {detail}): повторите позже или подпишите ЭЦП",
        f"Коды бар SMS жіберілмеді (SMS шлюзі: {detail}): кейінірек қайталаңыз немесе ЭЦҚ-мен қол қойыңыз",
    )


@dataclass
class HttpSmsGateway:
    """``POST {base_url}/api/messages`` with the portal's sender id (and the bearer token if any)."""

    base_url: str
    sender: str = "EGOV"
    token: str | None = None
    timeout: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None

    async def send(self, *, to: str, text: str, reference: str | None = None) -> SentSms:
        headers = inject({"content-type": "application/json"})
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        body = {"to": to, "text": text, "sender": self.sender, "reference": reference}
        url = self.base_url.rstrip("/") + "/api/messages"
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("SMS gateway %s unreachable: %s", self.base_url, type(exc).__name__)
            raise _not_sent("недоступен / қолжетімсіз") from exc
        if response.status_code != 202:
            code = _error_code(response)
            log.warning("SMS gateway refused the message: HTTP %s %s", response.status_code, code)
            raise _not_sent(code or f"HTTP {response.status_code}")
        try:
            data = response.json()
            return SentSms(id=str(data["id"]), to=str(data["to"]), parts=int(data.get("parts", 1)))
        except (ValueError, KeyError, TypeError) as exc:
            raise _not_sent("invalid answer") from exc


def _error_code(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("error") if isinstance(data, dict) else None
    return str(value) if value else None
