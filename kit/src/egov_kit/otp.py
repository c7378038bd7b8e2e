"""One-time passwords: a code sent by SMS confirms a request instead of an ЭЦП (seed 004 item 10).

``OneTimePasswords`` issues a short numeric code for one *request* — a ``purpose`` (what is being
confirmed, e.g. ``"H3.confirm"``) and a ``subject`` (whose or which request, e.g. an application id)
— and later verifies what the recipient typed::

    otp = OneTimePasswords(SqlOtpStore(engine), secret=load_or_create_secret(state_dir / "otp.key"))
    issued = otp.issue("H3.confirm", application_id)             # → send issued.code by SMS
    text = sms_text(issued.code, title_ru, title_kk, ttl=issued.ttl)
    ...
    otp.verify("H3.confirm", application_id, typed)               # None, or a named OtpError

Rules:

* the code is ``length`` random digits from :mod:`secrets`; only a keyed hash is stored:
  HMAC-SHA256 under a server secret over a random per-code salt, the purpose, the subject and the
  code. A six-digit code has a million values, so an unkeyed (even scrypt) hash would be reversed
  by trying them all; without the secret, which is not in the database, the stored hash is useless;
* a code expires after ``ttl`` (``OTP_EXPIRED``) and confirms once (``OTP_ALREADY_USED``);
* a wrong code answers ``OTP_WRONG`` with the attempts left; the ``max_attempts``-th wrong code
  locks the request (``OTP_LOCKED``): every later verify fails, even with the right code, and no new
  code is issued before ``lock_period`` has passed;
* a new issue for the same purpose and subject replaces (invalidates) the previous code. Wrong
  attempts count per request, not per code: they carry over to a code issued within
  ``lock_period`` of the previous one (unless that one was used), so "two wrong, ask for a new code,
  two wrong" still locks;
* comparison is constant-time (:func:`hmac.compare_digest`); time is read only through
  :func:`egov_kit.clock.now`;
* concurrent verifies cannot gain extra attempts: records carry a version, and the store writes
  a record only over the version it was read at (the operation is retried otherwise).

Errors subclass :class:`OtpError` (a :class:`~egov_kit.errors.BilingualError`) and carry their message
in Russian (``message``, ``message_ru``) and Kazakh (``message_kk``), ready for the recipient.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy import DateTime, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from egov_kit import clock
from egov_kit.clock import KZ_TZ
from egov_kit.db import create_tables, session_scope
from egov_kit.errors import BilingualError, KitError

DEFAULT_TTL = timedelta(minutes=5)
DEFAULT_LENGTH = 6
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_LOCK_PERIOD = timedelta(minutes=15)
MIN_LENGTH, MAX_LENGTH = 4, 10
MAX_TTL = timedelta(days=1)
MAX_KEY_LENGTH = 200  # purpose and subject
MIN_SECRET_BYTES = 16
SMS_MAX_CHARS = 480  # what the SMS gateway accepts
_SALT_BYTES = 16
_WRITE_RETRIES = 8


def _moment(value: datetime) -> str:
    """A moment as the recipient reads it: local time (UTC+5), ``HH:MM dd.mm.yyyy``."""
    return value.astimezone(KZ_TZ).strftime("%H:%M %d.%m.%Y")


# --- errors ---------------------------------------------------------------------------------------


class OtpError(BilingualError):
    """A named one-time-password error; ``message`` is Russian, ``message_kk`` Kazakh."""

    code = "OTP_ERROR"


class OtpNotIssued(OtpError):
    code = "OTP_NOT_ISSUED"

    def __init__(self) -> None:
        super().__init__(
            "Код подтверждения не запрашивался: запросите код.",
            "Растау коды сұралмаған: кодты сұраңыз.",
        )


class OtpExpired(OtpError):
    code = "OTP_EXPIRED"

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            f"Срок действия кода истёк в {_moment(expired_at)}: запросите новый код.",
            f"Кодтың жарамдылық мерзімі өтті ({_moment(expired_at)}): жаңа код сұраңыз.",
            data=expired_at.isoformat(),
        )
        self.expired_at = expired_at


class OtpAlreadyUsed(OtpError):
    code = "OTP_ALREADY_USED"

    def __init__(self, used_at: datetime) -> None:
        super().__init__(
            "Этот код уже использован: запросите новый код.",
            "Бұл код бұрын пайдаланылған: жаңа код сұраңыз.",
            data=used_at.isoformat(),
        )
        self.used_at = used_at


class OtpWrong(OtpError):
    code = "OTP_WRONG"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            f"Неверный код. Осталось попыток: {attempts_left}.",
            f"Код қате. Қалған әрекет саны: {attempts_left}.",
            data=str(attempts_left),
        )
        self.attempts_left = attempts_left


class OtpLocked(OtpError):
    code = "OTP_LOCKED"

    def __init__(self, locked_until: datetime, max_attempts: int) -> None:
        super().__init__(
            f"Запрос заблокирован: неверный код введён {max_attempts} раза. "
            f"Новый код можно запросить после {_moment(locked_until)}.",
            f"Сұрау бұғатталды: қате код {max_attempts} рет енгізілді. "
            f"Жаңа кодты мына уақыттан кейін сұрауға болады: {_moment(locked_until)}.",
            data=locked_until.isoformat(),
        )
        self.locked_until = locked_until


class OtpConflict(KitError):
    """The record kept changing under concurrent writers; not the recipient's fault."""

    code = "OTP_CONFLICT"
    exposed = False


# --- records and storage --------------------------------------------------------------------------


@dataclass(frozen=True)
class OtpRecord:
    """What is stored for one request (purpose + subject): never the code itself."""

    purpose: str
    subject: str
    salt: str  # hex
    code_hash: str  # hex HMAC-SHA256(secret, salt | purpose | subject | code)
    issued_at: datetime
    expires_at: datetime
    failed_attempts: int = 0
    used_at: datetime | None = None
    locked_until: datetime | None = None
    version: int = 1  # the store's optimistic lock; 1 for a record written once


@runtime_checkable
class OtpStore(Protocol):
    """Where records live, one per (purpose, subject)."""

    def load(self, purpose: str, subject: str) -> OtpRecord | None:
        """The record of the request, or None."""
        ...

    def save(self, record: OtpRecord, *, previous_version: int) -> bool:
        """Write ``record`` if the stored one still has ``previous_version`` (0: none is stored).

        Returns False, writing nothing, when another writer came first.
        """
        ...


class MemoryOtpStore:
    """Process-local store for unit tests and throwaway uses."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], OtpRecord] = {}
        self._lock = threading.Lock()

    def load(self, purpose: str, subject: str) -> OtpRecord | None:
        with self._lock:
            return self._records.get((purpose, subject))

    def save(self, record: OtpRecord, *, previous_version: int) -> bool:
        key = (record.purpose, record.subject)
        with self._lock:
            current = self._records.get(key)
            if (current.version if current is not None else 0) != previous_version:
                return False
            self._records[key] = record
            return True

    def records(self) -> list[OtpRecord]:
        """Every stored record (tests, diagnostics)."""
        with self._lock:
            return list(self._records.values())


class OtpRow(SQLModel, table=True):
    """The ``otp_code`` table: one row per request; times in UTC."""

    __tablename__ = "otp_code"

    purpose: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    subject: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    salt: str = Field(max_length=64)
    code_hash: str = Field(max_length=64)
    issued_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    failed_attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = 1


def _to_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _from_db(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(KZ_TZ)


def _required(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment


class SqlOtpStore:
    """Records in the ``otp_code`` table of a service's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, create_table: bool = True) -> None:
        self.engine = engine
        if create_table:
            create_tables(engine, OtpRow)

    def load(self, purpose: str, subject: str) -> OtpRecord | None:
        with Session(self.engine) as session:
            row = session.get(OtpRow, (purpose, subject))
            if row is None:
                return None
            return OtpRecord(
                purpose=row.purpose,
                subject=row.subject,
                salt=row.salt,
                code_hash=row.code_hash,
                issued_at=_required(_from_db(row.issued_at)),
                expires_at=_required(_from_db(row.expires_at)),
                failed_attempts=row.failed_attempts,
                used_at=_from_db(row.used_at),
                locked_until=_from_db(row.locked_until),
                version=row.version,
            )

    def save(self, record: OtpRecord, *, previous_version: int) -> bool:
        values: dict[str, Any] = {
            "salt": record.salt,
            "code_hash": record.code_hash,
            "issued_at": _to_db(record.issued_at),
            "expires_at": _to_db(record.expires_at),
            "failed_attempts": record.failed_attempts,
            "used_at": _to_db(record.used_at),
            "locked_until": _to_db(record.locked_until),
            "version": record.version,
        }
        if previous_version == 0:
            try:
                with session_scope(self.engine) as session:
                    session.add(OtpRow(purpose=record.purpose, subject=record.subject, **values))
            except IntegrityError:
                return False
            return True
        statement = (
            update(OtpRow)
            .where(
                col(OtpRow.purpose) == record.purpose,
                col(OtpRow.subject) == record.subject,
                col(OtpRow.version) == previous_version,
            )
            .values(**values)
        )
        with session_scope(self.engine) as session:
            result = session.execute(statement)
            return int(getattr(result, "rowcount", 0) or 0) == 1


# --- the service ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A fresh code to send to the recipient; the code is left out of ``repr`` (logs)."""

    purpose: str
    subject: str
    code: str = field(repr=False)
    issued_at: datetime
    expires_at: datetime

    @property
    def ttl(self) -> timedelta:
        return self.expires_at - self.issued_at


@dataclass(frozen=True)
class OtpState:
    """What may be shown about a request without revealing anything of its code."""

    purpose: str
    subject: str
    issued_at: datetime
    expires_at: datetime
    attempts_left: int
    used_at: datetime | None
    locked_until: datetime | None


T = TypeVar("T")


def _check_key(name: str, value: str) -> None:
    if not value or len(value) > MAX_KEY_LENGTH:
        raise ValueError(f"{name} must be 1..{MAX_KEY_LENGTH} characters, got {len(value)}")


class OneTimePasswords:
    """Issue and verify one-time passwords over an :class:`OtpStore`."""

    def __init__(
        self,
        store: OtpStore,
        secret: bytes,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        lock_period: timedelta = DEFAULT_LOCK_PERIOD,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the OTP secret must have at least {MIN_SECRET_BYTES} bytes")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if lock_period <= timedelta(0):
            raise ValueError("lock_period must be positive")
        self.store = store
        self._secret = secret
        self.max_attempts = max_attempts
        self.lock_period = lock_period

    def _digest(self, salt: str, purpose: str, subject: str, code: str) -> str:
        message = b"\x00".join(part.encode("utf-8") for part in (salt, purpose, subject, code))
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _write(
        self, operation: Callable[[OtpRecord | None], tuple[OtpRecord | None, T]], key: tuple[str, str]
    ) -> T:
        """Read the record, let ``operation`` compute the new one, write it over the version read.

        ``operation`` returns (the record to write or None, the result). When another writer came
        first the whole operation runs again on the fresh record, so counters never lose an update.
        """
        for _ in range(_WRITE_RETRIES):
            current = self.store.load(*key)
            new, result = operation(current)
            if new is None:
                return result
            previous = current.version if current is not None else 0
            if self.store.save(replace(new, version=previous + 1), previous_version=previous):
                return result
        raise OtpConflict(f"the one-time password of {key[0]}/{key[1]} kept changing; try again")

    def issue(
        self, purpose: str, subject: str, *, ttl: timedelta = DEFAULT_TTL, length: int = DEFAULT_LENGTH
    ) -> IssuedCode:
        """A new code for the request, replacing any previous one.

        Raises :class:`OtpLocked` while the request is locked after too many wrong codes.
        """
        _check_key("purpose", purpose)
        _check_key("subject", subject)
        if not MIN_LENGTH <= length <= MAX_LENGTH:
            raise ValueError(f"length must be {MIN_LENGTH}..{MAX_LENGTH}")
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"ttl must be positive and at most {MAX_TTL}")

        def operation(current: OtpRecord | None) -> tuple[OtpRecord | None, IssuedCode]:
            moment = clock.now()
            carried = 0
            if current is not None:
                if current.locked_until is not None and moment < current.locked_until:
                    raise OtpLocked(current.locked_until, self.max_attempts)
                if (
                    current.locked_until is None
                    and current.used_at is None
                    and moment < current.issued_at + self.lock_period
                ):
                    carried = current.failed_attempts
            code = f"{secrets.randbelow(10**length):0{length}d}"
            salt = secrets.token_hex(_SALT_BYTES)
            record = OtpRecord(
                purpose=purpose,
                subject=subject,
                salt=salt,
                code_hash=self._digest(salt, purpose, subject, code),
                issued_at=moment,
                expires_at=moment + ttl,
                failed_attempts=carried,
            )
            issued = IssuedCode(
                purpose=purpose, subject=subject, code=code, issued_at=moment, expires_at=moment + ttl
            )
            return record, issued

        return self._write(operation, (purpose, subject))

    def verify(self, purpose: str, subject: str, code: str) -> None:
        """Confirm the request with ``code`` (spaces ignored), or raise a named :class:`OtpError`.

        ``OTP_NOT_ISSUED``, ``OTP_LOCKED``, ``OTP_ALREADY_USED``, ``OTP_EXPIRED`` are checked in this
        order before the code is compared; a wrong code is ``OTP_WRONG`` (attempts left), and the
        last allowed wrong code locks the request and answers ``OTP_LOCKED``.
        """
        typed = "".join(code.split())

        def operation(current: OtpRecord | None) -> tuple[OtpRecord | None, OtpError | None]:
            moment = clock.now()
            if current is None:
                return None, OtpNotIssued()
            if current.locked_until is not None:
                return None, OtpLocked(current.locked_until, self.max_attempts)
            if current.used_at is not None:
                return None, OtpAlreadyUsed(current.used_at)
            if moment >= current.expires_at:
                return None, OtpExpired(current.expires_at)
            expected = current.code_hash
            actual = self._digest(current.salt, purpose, subject, typed)
            if hmac.compare_digest(expected.encode("ascii"), actual.encode("ascii")):
                return replace(current, used_at=moment), None
            failed = current.failed_attempts + 1
            if failed >= self.max_attempts:
                locked_until = moment + self.lock_period
                locked = replace(current, failed_attempts=failed, locked_until=locked_until)
                return locked, OtpLocked(locked_until, self.max_attempts)
            return replace(current, failed_attempts=failed), OtpWrong(self.max_attempts - failed)

        if not purpose or not subject:
            raise OtpNotIssued()
        error = self._write(operation, (purpose, subject))
        if error is not None:
            raise error

    def state(self, purpose: str, subject: str) -> OtpState | None:
        """Expiry, attempts left and lock of the request's current code (None when never issued)."""
        record = self.store.load(purpose, subject)
        if record is None:
            return None
        return OtpState(
            purpose=record.purpose,
            subject=record.subject,
            issued_at=record.issued_at,
            expires_at=record.expires_at,
            attempts_left=max(0, self.max_attempts - record.failed_attempts),
            used_at=record.used_at,
            locked_until=record.locked_until,
        )


# --- secret and SMS text --------------------------------------------------------------------------


def load_or_create_secret(path: Path, *, size: int = 32) -> bytes:
    """The server secret kept in ``path`` (created with random bytes, mode 0600, on first use)."""
    if size < MIN_SECRET_BYTES:
        raise ValueError(f"the OTP secret must have at least {MIN_SECRET_BYTES} bytes")
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(size)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return load_or_create_secret(path, size=size)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secret)
        return secret
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds fewer than {MIN_SECRET_BYTES} bytes: not an OTP secret")
    return secret


_TITLE_MAX = 120


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1].rstrip() + "…"


def sms_text(
    code: str, purpose_title_ru: str, purpose_title_kk: str, *, ttl: timedelta | None = DEFAULT_TTL
) -> str:
    """The SMS carrying ``code``: Kazakh then Russian, short, and telling never to share the code.

    Titles longer than 120 characters are shortened, so the text always fits one SMS request of
    the gateway (480 characters).
    """
    if not code.isdigit() or not MIN_LENGTH <= len(code) <= MAX_LENGTH:
        raise ValueError("a one-time password is 4..10 digits")
    minutes = None if ttl is None else max(1, int(ttl.total_seconds() // 60))
    kk = f"Бір реттік құпиясөз: {code}. «{_short(purpose_title_kk)}»."
    ru = f"Одноразовый пароль: {code}. «{_short(purpose_title_ru)}»."
    if minutes is not None:
        kk += f" {minutes} минут жарамды."
        ru += f" Действует {minutes} мин."
    kk += " Кодты ешкімге айтпаңыз."
    ru += " Никому не сообщайте код."
    text = f"{kk}\n{ru}"
    assert len(text) <= SMS_MAX_CHARS
    return text
