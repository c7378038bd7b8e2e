"""Scanned documents attached at the workstation (seed 002 table 2 step 5): checked, then stored by SHA-256.

The checks and the store are the kit's (:mod:`egov_kit.attachments`): only PDF, JPEG and PNG, each
at most ``max_bytes`` (5 MB by default), the type decided from the file's first bytes and agreeing
with the declared media type and the file name's extension; every file of an upload is checked
before any is written, so a rejected upload stores nothing. Files land in
``var/phc-registry/scans/<sha256>`` (written once, atomically); the application names them by file
name, media type and SHA-256. This module keeps the workstation's own error codes,
``SCAN_TOO_LARGE`` and ``SCAN_TYPE_NOT_ALLOWED``, with the message in both languages.
"""

from __future__ import annotations

from egov_kit.attachments import (
    JPEG,
    PDF,
    PNG,
    AttachmentTooLarge,
    AttachmentTypeNotAllowed,
    CheckedFile,
    check_file,
    clean_name,
    sniff,
)
from egov_kit.attachments import FileStore as ScanStore

from phc_registry.domain.errors import ScanTooLarge, ScanTypeNotAllowed

CheckedScan = CheckedFile

__all__ = ["JPEG", "PDF", "PNG", "CheckedScan", "ScanStore", "check_scan", "clean_name", "sniff"]


def check_scan(file_name: str, declared: str | None, content: bytes, *, max_bytes: int) -> CheckedScan:
    """Accept one file or raise ``SCAN_TOO_LARGE`` / ``SCAN_TYPE_NOT_ALLOWED`` (messages ru / kk)."""
    try:
        return check_file(file_name, declared, content, max_bytes=max_bytes, default_name="scan")
    except AttachmentTooLarge as exc:
        raise ScanTooLarge(f"{exc.message_ru} / {exc.message_kk}", data=exc.data) from exc
    except AttachmentTypeNotAllowed as exc:
        raise ScanTypeNotAllowed(f"{exc.message_ru} / {exc.message_kk}", data=exc.data) from exc
