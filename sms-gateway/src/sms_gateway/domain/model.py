"""What the SMS gateway handles: outbound messages, the citizens' replies, and their rules.

Pure: no HTTP, no SQL. Numbers are Kazakhstan mobile numbers ``+7 7xx xxx xx xx`` (the portal's own
rule), kept in the compact form ``+77xxxxxxxxx``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from egov_kit.errors import KitError

MAX_TEXT = 480
MAX_REFERENCE = 200
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"\+77\d{9}")
# An alphanumeric sender id is at most 11 characters on the air (3GPP TS 23.040).
_SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}")

# GSM 03.38 default alphabet (without ESC) and its extension table (two septets each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


# --- named errors ---------------------------------------------------------------------------------


class SmsError(KitError):
    code = "SMS_ERROR"
    http_status = 400


class InvalidNumber(SmsError):
    code = "INVALID_NUMBER"


class EmptyText(SmsError):
    code = "EMPTY_TEXT"


class TextTooLong(SmsError):
    code = "TEXT_TOO_LONG"


class InvalidSender(SmsError):
    code = "INVALID_SENDER"


class InvalidReference(SmsError):
    code = "INVALID_REFERENCE"


class InvalidSince(SmsError):
    code = "INVALID_SINCE"


class MessageNotFound(SmsError):
    code = "MESSAGE_NOT_FOUND"
    http_status = 404


class UnknownMessage(SmsError):
    """A reply names, in ``in_reply_to``, a message the gateway never sent."""

    code = "IN_REPLY_TO_UNKNOWN"


class ReplyFromOtherNumber(SmsError):
    """A reply names a message that was sent to another number."""

    code = "REPLY_FROM_OTHER_NUMBER"


class Unauthorized(SmsError):
    code = "UNAUTHORIZED"
    http_status = 401


# --- rules ----------------------------------------------------------------------------------------


def normalise_number(value: str) -> str:
    """``+7 7xx xxx xx xx`` (spaces, dashes, brackets ignored) → ``+77xxxxxxxxx``.

    A missing leading ``+`` is tolerated: in a query string an unencoded ``+`` arrives as a space.
    """
    compact = _SEPARATORS.sub("", value)
    if compact.isdigit() and len(compact) == 11:
        compact = "+" + compact
    if not _MOBILE.fullmatch(compact):
        raise InvalidNumber(f"{value!r} is not a Kazakhstan mobile number: +7 7xx xxx xx xx")
    return compact


def mask_number(number: str) -> str:
    """``+77011234567`` → ``+7701***4567`` (logs and spans carry no full number)."""
    return number[:5] + "***" + number[-4:] if len(number) > 9 else "***"


def check_text(text: str) -> str:
    if not text.strip():
        raise EmptyText("the text is empty")
    if len(text) > MAX_TEXT:
        raise TextTooLong(f"the text has {len(text)} characters; at most {MAX_TEXT} are accepted")
    return text


def check_sender(sender: str) -> str:
    if not _SENDER.fullmatch(sender):
        raise InvalidSender(
            f"{sender!r} is not a sender id: 1-11 letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return sender


def check_reference(reference: str | None) -> str | None:
    if reference is None or reference == "":
        return None
    if len(reference) > MAX_REFERENCE:
        raise InvalidReference(f"the reference has {len(reference)} characters; at most {MAX_REFERENCE}")
    return reference


@dataclass(frozen=True)
class Encoding:
    """How the text travels on the air: GSM-7 (160/153 per part) or UCS-2 (70/67), and in how many parts."""

    name: str
    parts: int


def encoding_of(text: str) -> Encoding:
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        septets = sum(2 if char in _GSM_EXTENDED else 1 for char in text)
        return Encoding("GSM-7", 1 if septets <= 160 else math.ceil(septets / 153))
    units = len(text.encode("utf-16-le")) // 2
    return Encoding("UCS-2", 1 if units <= 70 else math.ceil(units / 67))


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """An SMS the gateway accepted from a sender for a phone number (what the phone shows)."""

    id: str
    to: str
    sender: str
    text: str
    reference: str | None
    accepted_at: datetime
    encoding: str
    parts: int


@dataclass(frozen=True)
class Reply:
    """A citizen's SMS to the gateway, linked to the message it answers when there is one."""

    id: str
    from_number: str
    text: str
    received_at: datetime
    in_reply_to: str | None  # the answered message's id
    sender: str | None  # that message's sender: whom the reply is for
    reference: str | None  # that message's reference: the sender's request


@dataclass(frozen=True)
class OutboxQuery:
    """Filters of ``GET /api/outbox``; every given one must hold. Newest first."""

    to: str | None = None
    sender: str | None = None
    reference: str | None = None
    since: datetime | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class ReplyQuery:
    """Filters of ``GET /api/replies``. Oldest first, for polling."""

    sender: str | None = None
    since: datetime | None = None
    limit: int = DEFAULT_LIMIT
