"""egov_kit.otp storage: only a keyed hash is kept, the SQL store, concurrent verifies, the secret."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import sqlite3
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from egov_kit.clock import KZ_TZ, now
from egov_kit.db import create_engine_for
from egov_kit.errors import KitError
from egov_kit.otp import (
    MemoryOtpStore,
    OneTimePasswords,
    OtpError,
    OtpLocked,
    OtpRecord,
    OtpStore,
    OtpWrong,
    SqlOtpStore,
    load_or_create_secret,
)
from sqlalchemy.engine import Engine

PURPOSE = "H3.confirm"
SUBJECT = "APP-2025-000042"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return create_engine_for(f"sqlite:///{tmp_path / 'otp.sqlite'}")


def test_the_memory_store_keeps_a_salted_keyed_hash_never_the_code(
    otp: OneTimePasswords, store: MemoryOtpStore, secret: bytes
) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    (record,) = store.records()
    for name, value in dataclasses.asdict(record).items():
        assert value != issued.code, name
    assert issued.code not in record.code_hash
    assert len(record.salt) == 32 and len(record.code_hash) == 64
    # HMAC-SHA256 under the server secret over salt, purpose, subject and code.
    message = b"\x00".join(x.encode() for x in (record.salt, PURPOSE, SUBJECT, issued.code))
    assert record.code_hash == hmac.new(secret, message, hashlib.sha256).hexdigest()
    # Another request: another salt, another hash.
    otp.issue(PURPOSE, "APP-2025-000043")
    other = store.load(PURPOSE, "APP-2025-000043")
    assert other is not None and other.salt != record.salt and other.code_hash != record.code_hash
    assert isinstance(store, OtpStore)


def test_without_the_server_secret_the_hash_does_not_confirm(store: MemoryOtpStore, secret: bytes) -> None:
    issued = OneTimePasswords(store, secret).issue(PURPOSE, SUBJECT)
    with pytest.raises(OtpWrong):
        OneTimePasswords(store, b"another-secret-of-sixteen+").verify(PURPOSE, SUBJECT, issued.code)


def test_the_sql_store_keeps_no_code_in_the_database_file(
    engine: Engine, tmp_path: Path, secret: bytes
) -> None:
    otp = OneTimePasswords(SqlOtpStore(engine), secret)
    issued = otp.issue(PURPOSE, SUBJECT, length=10)  # ten digits: no chance to meet them by accident
    engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("otp.sqlite")]
    assert files
    for path in files:
        assert issued.code.encode() not in path.read_bytes(), path.name
    with sqlite3.connect(tmp_path / "otp.sqlite") as connection:
        rows = connection.execute("SELECT * FROM otp_code").fetchall()
    assert len(rows) == 1
    assert all(issued.code not in str(value) for value in rows[0])
    otp.verify(PURPOSE, SUBJECT, issued.code)


def test_the_sql_store_persists_expiry_attempts_use_and_lock(engine: Engine, secret: bytes) -> None:
    issued = OneTimePasswords(SqlOtpStore(engine), secret).issue(PURPOSE, SUBJECT)
    # Another service instance over the same database (a restart) sees the same request.
    again = OneTimePasswords(SqlOtpStore(engine), secret)
    record = again.store.load(PURPOSE, SUBJECT)
    assert record is not None
    assert record.issued_at == issued.issued_at and record.expires_at == issued.expires_at
    assert record.issued_at.utcoffset() == timedelta(hours=5) and record.issued_at.tzinfo == KZ_TZ
    wrong = "000000" if issued.code != "000000" else "111111"
    with pytest.raises(OtpWrong) as error:
        again.verify(PURPOSE, SUBJECT, wrong)
    assert error.value.attempts_left == 2
    again.verify(PURPOSE, SUBJECT, issued.code)
    state = OneTimePasswords(SqlOtpStore(engine), secret).state(PURPOSE, SUBJECT)
    assert state is not None and state.used_at is not None and state.attempts_left == 2

    other = OneTimePasswords(SqlOtpStore(engine), secret)
    code = other.issue(PURPOSE, "locked").code
    for _ in range(3):
        with pytest.raises((OtpWrong, OtpLocked)):
            other.verify(PURPOSE, "locked", "0000000")
    with pytest.raises(OtpLocked):
        OneTimePasswords(SqlOtpStore(engine), secret).verify(PURPOSE, "locked", code)


@pytest.mark.parametrize("kind", ["memory", "sql"])
def test_stores_write_only_over_the_version_they_read(kind: str, engine: Engine) -> None:
    store: OtpStore = MemoryOtpStore() if kind == "memory" else SqlOtpStore(engine)
    moment = now()
    record = OtpRecord(PURPOSE, SUBJECT, "00" * 16, "ab" * 32, moment, moment + timedelta(minutes=5))
    assert store.save(record, previous_version=0)
    assert not store.save(record, previous_version=0)  # someone else inserted first
    newer = dataclasses.replace(record, failed_attempts=1, version=2)
    assert store.save(newer, previous_version=1)
    assert not store.save(dataclasses.replace(record, failed_attempts=1, version=2), previous_version=1)
    loaded = store.load(PURPOSE, SUBJECT)
    assert loaded is not None and loaded.version == 2 and loaded.failed_attempts == 1


@pytest.mark.parametrize("kind", ["memory", "sql"])
def test_concurrent_wrong_codes_gain_no_extra_attempts(kind: str, engine: Engine, secret: bytes) -> None:
    store: OtpStore = MemoryOtpStore() if kind == "memory" else SqlOtpStore(engine)
    otp = OneTimePasswords(store, secret)
    code = otp.issue(PURPOSE, SUBJECT).code
    guess = "000000" if code != "000000" else "111111"
    start = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            otp.verify(PURPOSE, SUBJECT, guess)
            result = "OK"
        except OtpError as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("OTP_WRONG") == 2
    assert outcomes.count("OTP_LOCKED") == 10
    record = store.load(PURPOSE, SUBJECT)
    assert record is not None and record.failed_attempts == 3


def test_a_store_that_keeps_losing_races_ends_in_a_named_error(secret: bytes) -> None:
    class AlwaysLate(MemoryOtpStore):
        def save(self, record: OtpRecord, *, previous_version: int) -> bool:
            return False

    with pytest.raises(KitError) as error:
        OneTimePasswords(AlwaysLate(), secret).issue(PURPOSE, SUBJECT)
    assert error.value.code == "OTP_CONFLICT"
    assert error.value.exposed is False


def test_the_server_secret_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "portal" / "otp.key"
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    path.write_bytes(b"short")
    with pytest.raises(ValueError):
        load_or_create_secret(path)
