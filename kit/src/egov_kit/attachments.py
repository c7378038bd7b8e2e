"""Files a person attaches to a request (scans, clinical results): checked, then stored by SHA-256.

One place for every service that accepts files (phc-registry's workstation scans, the portal's H3
form, the H3 documents that carry files base64-embedded)::

    checked = check_files(
        [(name, declared_type, content), ...], max_bytes=MiB, max_files=3, max_total_bytes=2 * MiB
    )  # every file is checked before anything is kept: a refused upload stores nothing
    store = FileStore(state_dir / "attachments")
    for item in checked:
        store.write(item)  # <root>/<sha256>, written once, atomically

Rules:

* only PDF, JPEG and PNG (``MEDIA_TYPES``, or a narrower ``allowed``); the type is decided from the
  file's first bytes (its magic number), never from what the sender says. The file name's extension
  must name the same type, and so must the declared media type when one is given (an empty or
  ``application/octet-stream`` declaration says nothing; ``image/jpg`` and ``image/pjpeg`` mean
  JPEG). An empty file is no file;
* a file larger than ``max_bytes`` is ``ATTACHMENT_TOO_LARGE``; more than ``max_files`` files is
  ``ATTACHMENT_TOO_MANY``; together larger than ``max_total_bytes`` is ``ATTACHMENTS_TOO_LARGE``;
  a type that is not allowed is ``ATTACHMENT_TYPE_NOT_ALLOWED``; content that does not match the
  size and SHA-256 it was announced with is ``ATTACHMENT_DIGEST_MISMATCH``;
* the file name is cleaned: only its last path part, no control characters, at most 255 characters.

Errors subclass :class:`AttachmentError` (a :class:`~egov_kit.errors.BilingualError`) and carry their
message in Russian (``message``, ``message_ru``) and Kazakh (``message_kk``); ``data`` is the
(clean) file name concerned.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from egov_kit.errors import BilingualError
from egov_kit.pki.keys import write_atomic

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
MEDIA_TYPES: tuple[str, ...] = (PDF, JPEG, PNG)
MiB = 1024 * 1024
NAME_MAX = 255
DEFAULT_NAME = "file"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
_EXTENSIONS: dict[str, str] = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
_DECLARED_ALIASES: dict[str, str] = {"image/jpg": JPEG, "image/pjpeg": JPEG}
_SAYS_NOTHING = ("", "application/octet-stream")
_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}


# --- errors ---------------------------------------------------------------------------------------


class AttachmentError(BilingualError):
    """A named attachment error; ``message`` is Russian, ``message_kk`` Kazakh."""

    code = "ATTACHMENT_ERROR"


class AttachmentTooLarge(AttachmentError):
    code = "ATTACHMENT_TOO_LARGE"

    def __init__(self, name: str, size: int, max_bytes: int) -> None:
        super().__init__(
            f"Файл «{name}» больше {megabytes(max_bytes)} МБ ({megabytes(size)} МБ): уменьшите его",
            f"«{name}» файлы {megabytes(max_bytes)} МБ-тан үлкен ({megabytes(size)} МБ): оны кішірейтіңіз",
            data=name,
        )
        self.size = size
        self.max_bytes = max_bytes


class AttachmentTypeNotAllowed(AttachmentError):
    code = "ATTACHMENT_TYPE_NOT_ALLOWED"

    def __init__(self, name: str, allowed: Iterable[str] = MEDIA_TYPES) -> None:
        kinds = ", ".join(_NAMES.get(media, media) for media in allowed)
        super().__init__(
            f"Файл «{name}» не принят: допустимы только {kinds} (тип файла и расширение должны совпадать)",
            f"«{name}» файлы қабылданбады: тек {kinds} рұқсат етілген (файл түрі мен кеңейтімі сәйкес "
            "болуы керек)",
            data=name,
        )


class AttachmentTooMany(AttachmentError):
    code = "ATTACHMENT_TOO_MANY"

    def __init__(self, count: int, max_files: int) -> None:
        super().__init__(
            f"Слишком много файлов: не более {max_files} (прикреплено {count})",
            f"Файлдар тым көп: {max_files}-ден аспауы керек ({count} тіркелген)",
            data=str(count),
        )
        self.count = count
        self.max_files = max_files


class AttachmentsTooLarge(AttachmentError):
    code = "ATTACHMENTS_TOO_LARGE"

    def __init__(self, total: int, max_total_bytes: int) -> None:
        super().__init__(
            f"Файлы вместе больше {megabytes(max_total_bytes)} МБ ({megabytes(total)} МБ): "
            "уменьшите их или прикрепите меньше",
            f"Файлдардың жалпы көлемі {megabytes(max_total_bytes)} МБ-тан үлкен ({megabytes(total)} МБ): "
            "оларды кішірейтіңіз немесе азырақ тіркеңіз",
            data=str(total),
        )
        self.total = total
        self.max_total_bytes = max_total_bytes


class AttachmentDigestMismatch(AttachmentError):
    code = "ATTACHMENT_DIGEST_MISMATCH"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Содержимое файла «{name}» не совпадает с указанными размером и SHA-256",
            f"«{name}» файлының мазмұны көрсетілген көлем мен SHA-256 сәйкес емес",
            data=name,
        )


# --- checks ---------------------------------------------------------------------------------------


def megabytes(size: int) -> str:
    """``1048576`` → ``"1"``, ``1572864`` → ``"1.5"`` (one decimal, trailing zeros dropped)."""
    return f"{size / MiB:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file that passed the checks: its clean name, its real media type and its SHA-256 (hex)."""

    file_name: str
    media_type: str
    sha256: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(content: bytes) -> str | None:
    """The media type the first bytes announce (PDF, JPEG, PNG), or None."""
    return next((media for magic, media in _MAGIC if content.startswith(magic)), None)


def clean_name(file_name: str, *, default: str = DEFAULT_NAME) -> str:
    """The last path part, without control characters, at most 255 characters (``default`` if empty)."""
    name = PurePath(file_name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or default
    return name[-NAME_MAX:]


def declared_media_type(declared: str | None) -> str:
    """``"image/JPG; q=1"`` → ``"image/jpeg"``: parameters dropped, lower case, aliases resolved."""
    value = (declared or "").split(";")[0].strip().lower()
    return _DECLARED_ALIASES.get(value, value)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_file(
    file_name: str,
    declared_type: str | None,
    content: bytes,
    *,
    max_bytes: int,
    allowed: Iterable[str] = MEDIA_TYPES,
    default_name: str = DEFAULT_NAME,
) -> CheckedFile:
    """Accept one file or raise ``ATTACHMENT_TOO_LARGE`` / ``ATTACHMENT_TYPE_NOT_ALLOWED``."""
    kinds = tuple(allowed)
    name = clean_name(file_name, default=default_name)
    if len(content) > max_bytes:
        raise AttachmentTooLarge(name, len(content), max_bytes)
    actual = sniff(content)
    extension = _EXTENSIONS.get(PurePath(name).suffix.lower())
    declared = declared_media_type(declared_type)
    if (
        actual is None
        or actual not in kinds
        or extension != actual
        or (declared not in _SAYS_NOTHING and declared != actual)
    ):
        raise AttachmentTypeNotAllowed(name, kinds)
    return CheckedFile(name, actual, sha256_hex(content), content)


def check_files(
    files: Iterable[tuple[str, str | None, bytes]],
    *,
    max_bytes: int,
    max_files: int | None = None,
    max_total_bytes: int | None = None,
    allowed: Iterable[str] = MEDIA_TYPES,
    default_name: str = DEFAULT_NAME,
) -> list[CheckedFile]:
    """Check each ``(file_name, declared_type, content)``: the count, then every file, then the total."""
    given = list(files)
    if max_files is not None and len(given) > max_files:
        raise AttachmentTooMany(len(given), max_files)
    kinds = tuple(allowed)
    checked = [
        check_file(name, declared, content, max_bytes=max_bytes, allowed=kinds, default_name=default_name)
        for name, declared, content in given
    ]
    total = sum(item.size for item in checked)
    if max_total_bytes is not None and total > max_total_bytes:
        raise AttachmentsTooLarge(total, max_total_bytes)
    return checked


def verify_digest(file_name: str, content: bytes, *, sha256: str, size: int | None = None) -> None:
    """Raise ``ATTACHMENT_DIGEST_MISMATCH`` unless ``content`` has that SHA-256 (and size)."""
    if (size is not None and size != len(content)) or not hmac.compare_digest(
        sha256_hex(content), sha256.strip().lower()
    ):
        raise AttachmentDigestMismatch(clean_name(file_name))


# --- storage --------------------------------------------------------------------------------------


class FileStore:
    """Files under ``root`` named by their SHA-256 (content-addressed: the same file is kept once)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        digest = sha256.strip().lower()
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ValueError("a SHA-256 is 64 hexadecimal digits")
        return self.root / digest

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def write(self, checked: CheckedFile) -> Path:
        """Keep the file (written once, atomically, mode 0640); returns where it lies."""
        target = self.path(checked.sha256)
        if not target.is_file():
            write_atomic(target, checked.content, mode=0o640)
        return target

    def read(self, sha256: str) -> bytes:
        """The stored content; ``FileNotFoundError`` when there is none."""
        return self.path(sha256).read_bytes()

    def files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob("*") if p.is_file() and not p.name.startswith("."))
