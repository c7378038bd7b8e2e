"""Scanned documents attached at the workstation (seed 002 table 2 step 5): checked, then stored by SHA-256.

Only PDF, JPEG and PNG are accepted, each at most ``max_bytes`` (5 MB by default). The type is
decided from the file's first bytes (its signature), and must agree with the declared media type
and the file name's extension. Every file of an upload is checked before any is written: a
rejected upload stores nothing. Files land in ``var/phc-registry/scans/<sha256>`` (written once,
atomically); the application names them by file name, media type and SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePath

from egov_kit.pki.keys import write_atomic

from phc_registry.domain.errors import ScanTooLarge, ScanTypeNotAllowed

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
_EXTENSIONS: dict[str, str] = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
_DECLARED_ALIASES: dict[str, str] = {"image/jpg": JPEG, "image/pjpeg": JPEG}


@dataclass(frozen=True, slots=True)
class CheckedScan:
    file_name: str
    media_type: str
    sha256: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def sniff(content: bytes) -> str | None:
    return next((media for magic, media in _MAGIC if content.startswith(magic)), None)


def clean_name(file_name: str) -> str:
    """The last path part, without control characters, at most 255 characters."""
    name = PurePath(file_name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "scan"
    return name[-255:]


def check_scan(file_name: str, declared: str | None, content: bytes, *, max_bytes: int) -> CheckedScan:
    """Accept one file or raise ``SCAN_TOO_LARGE`` / ``SCAN_TYPE_NOT_ALLOWED`` with a clear message."""
    name = clean_name(file_name)
    if len(content) > max_bytes:
        raise ScanTooLarge(
            f"Файл «{name}» больше {_mb(max_bytes)} МБ ({_mb(len(content))} МБ): уменьшите скан / "
            f"«{name}» файлы {_mb(max_bytes)} МБ-тан үлкен ({_mb(len(content))} МБ): сканды кішірейтіңіз",
            data=name,
        )
    actual = sniff(content)
    extension = _EXTENSIONS.get(PurePath(name).suffix.lower())
    declared_type = (declared or "").split(";")[0].strip().lower()
    declared_type = _DECLARED_ALIASES.get(declared_type, declared_type)
    agrees = actual is not None and extension == actual
    if agrees and declared_type not in ("", "application/octet-stream"):
        agrees = declared_type == actual
    if not content or not agrees or actual is None:
        raise ScanTypeNotAllowed(
            f"Файл «{name}» не принят: допустимы только PDF, JPEG и PNG (тип файла и расширение должны "
            f"совпадать) / «{name}» файлы қабылданбады: тек PDF, JPEG және PNG рұқсат етілген (файл түрі "
            "мен кеңейтімі сәйкес болуы керек)",
            data=name,
        )
    return CheckedScan(name, actual, hashlib.sha256(content).hexdigest(), content)


class ScanStore:
    """Files under ``root`` named by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def write(self, scan: CheckedScan) -> Path:
        target = self.path(scan.sha256)
        if not target.is_file():
            write_atomic(target, scan.content, mode=0o640)
        return target

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.glob("*") if p.is_file() and not p.name.startswith("."))
