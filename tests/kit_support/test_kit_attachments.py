"""egov_kit.attachments: magic-byte types, name/declared type agreement, limits, store by SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from egov_kit.attachments import (
    JPEG,
    PDF,
    PNG,
    AttachmentDigestMismatch,
    AttachmentError,
    AttachmentsTooLarge,
    AttachmentTooLarge,
    AttachmentTooMany,
    AttachmentTypeNotAllowed,
    FileStore,
    MiB,
    check_file,
    check_files,
    clean_name,
    megabytes,
    sniff,
    verify_digest,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(
    ("content", "media"),
    [(PDF_BYTES, PDF), (JPEG_BYTES, JPEG), (PNG_BYTES, PNG), (b"MZ\x90\x00", None), (b"", None)],
)
def test_the_type_comes_from_the_first_bytes(content: bytes, media: str | None) -> None:
    assert sniff(content) == media


@pytest.mark.parametrize(
    ("name", "declared", "content", "media"),
    [
        ("анализ.pdf", "application/pdf", PDF_BYTES, PDF),
        ("photo.JPG", "image/jpg", JPEG_BYTES, JPEG),
        ("photo.jpeg", "image/pjpeg; q=1", JPEG_BYTES, JPEG),
        ("scan.png", None, PNG_BYTES, PNG),
        ("scan.png", "application/octet-stream", PNG_BYTES, PNG),
    ],
)
def test_a_file_whose_bytes_name_and_declaration_agree_is_accepted(
    name: str, declared: str | None, content: bytes, media: str
) -> None:
    checked = check_file(name, declared, content, max_bytes=MiB)
    assert checked.media_type == media
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)
    assert checked.file_name == name


@pytest.mark.parametrize(
    ("name", "declared", "content"),
    [
        ("virus.exe", "application/octet-stream", b"MZ\x90\x00" * 10),
        ("fake.pdf", "application/pdf", b"just text"),
        ("photo.png", "image/png", PDF_BYTES),  # a PDF named and declared as PNG
        ("report.pdf", "image/png", PDF_BYTES),  # right name, wrong declaration
        ("report", "application/pdf", PDF_BYTES),  # no extension
        ("empty.pdf", "application/pdf", b""),
    ],
)
def test_a_file_of_another_or_a_disguised_type_is_refused(name: str, declared: str, content: bytes) -> None:
    with pytest.raises(AttachmentTypeNotAllowed) as raised:
        check_file(name, declared, content, max_bytes=MiB)
    error = raised.value
    assert error.code == "ATTACHMENT_TYPE_NOT_ALLOWED"
    assert "PDF, JPEG, PNG" in error.message_ru and "PDF, JPEG, PNG" in error.message_kk
    assert "рұқсат" in error.message_in("kk") and "допустимы" in error.message_in("ru")


def test_a_narrower_allowed_list_refuses_the_rest() -> None:
    with pytest.raises(AttachmentTypeNotAllowed) as raised:
        check_file("photo.png", "image/png", PNG_BYTES, max_bytes=MiB, allowed=(PDF,))
    assert "только PDF" in raised.value.message_ru


def test_a_file_over_the_limit_is_refused_with_its_size() -> None:
    with pytest.raises(AttachmentTooLarge) as raised:
        check_file("big.pdf", "application/pdf", PDF_BYTES + b"0" * MiB, max_bytes=MiB)
    error = raised.value
    assert error.code == "ATTACHMENT_TOO_LARGE" and error.data == "big.pdf"
    assert "больше 1 МБ" in error.message_ru and "1 МБ-тан үлкен" in error.message_kk
    assert isinstance(error, AttachmentError)


def test_exactly_the_limit_is_accepted() -> None:
    content = PDF_BYTES + b"0" * (MiB - len(PDF_BYTES))
    assert check_file("edge.pdf", PDF, content, max_bytes=MiB).size == MiB


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\анализ крови.pdf", "анализ крови.pdf"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("", "file"),
        ("x" * 300 + ".pdf", ("x" * 300 + ".pdf")[-255:]),
    ],
)
def test_the_file_name_is_cleaned(given: str, clean: str) -> None:
    assert clean_name(given) == clean


def test_a_batch_is_checked_for_count_each_file_and_total() -> None:
    one = ("a.pdf", PDF, PDF_BYTES + b"0" * (MiB - 100))
    files = [one, ("b.pdf", PDF, one[2]), ("c.pdf", PDF, one[2])]
    with pytest.raises(AttachmentTooMany) as many:
        check_files([*files, ("d.png", PNG, PNG_BYTES)], max_bytes=MiB, max_files=3)
    assert many.value.code == "ATTACHMENT_TOO_MANY" and "не более 3" in many.value.message_ru
    with pytest.raises(AttachmentsTooLarge) as total:
        check_files(files, max_bytes=MiB, max_files=3, max_total_bytes=2 * MiB)
    assert total.value.code == "ATTACHMENTS_TOO_LARGE" and "2 МБ" in total.value.message_ru
    with pytest.raises(AttachmentTypeNotAllowed):
        check_files([one, ("bad.txt", "text/plain", b"hello")], max_bytes=MiB, max_files=3)
    accepted = check_files(files[:2], max_bytes=MiB, max_files=3, max_total_bytes=2 * MiB)
    assert [item.file_name for item in accepted] == ["a.pdf", "b.pdf"]


def test_the_digest_check_names_a_changed_file() -> None:
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    verify_digest("a.pdf", PDF_BYTES, sha256=digest.upper(), size=len(PDF_BYTES))
    with pytest.raises(AttachmentDigestMismatch) as changed:
        verify_digest("a.pdf", PDF_BYTES + b" ", sha256=digest)
    assert changed.value.code == "ATTACHMENT_DIGEST_MISMATCH" and changed.value.data == "a.pdf"
    with pytest.raises(AttachmentDigestMismatch):
        verify_digest("a.pdf", PDF_BYTES, sha256=digest, size=len(PDF_BYTES) + 1)


def test_the_store_keeps_each_content_once_under_its_sha256(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    assert store.files() == []
    first = check_file("a.pdf", PDF, PDF_BYTES, max_bytes=MiB)
    same = check_file("copy.pdf", PDF, PDF_BYTES, max_bytes=MiB)
    path = store.write(first)
    assert store.write(same) == path
    assert path.name == first.sha256 and store.exists(first.sha256)
    assert store.read(first.sha256) == PDF_BYTES
    assert store.files() == [path]
    assert (path.stat().st_mode & 0o777) == 0o640
    with pytest.raises(ValueError, match="SHA-256"):
        store.path("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        store.read("0" * 64)


def test_megabytes_are_shown_with_one_decimal_at_most() -> None:
    assert megabytes(MiB) == "1"
    assert megabytes(MiB + MiB // 2) == "1.5"
    assert megabytes(5 * MiB) == "5"
