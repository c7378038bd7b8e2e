"""Reading the H3 form from a request: ``multipart/form-data`` (pages, API) or JSON with base64 files.

The body is at most :data:`H3_DRAFT_MAX_BYTES` (the ``BodyLimit`` middleware answers 413 beyond it):
three files of at most 1 MiB each, 2 MiB together (``egov_kit.documents.h3``), base64 in JSON takes
a third more. Files are named ``files`` (or ``files[]``); the checkbox ``consent`` counts when it
says ``on``/``true``/``1``; ``confirmation`` is ``eds`` or ``otp``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from egov_kit.attachments import AttachmentTooMany
from fastapi import Request
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from egov_portal.domain.errors import FormInvalid
from egov_portal.domain.h3_form import AttachmentRefused, parse_consent
from egov_portal.entrypoints.context import parse_json_object
from egov_portal.service_layer.h3_applications import H3Input

H3_DRAFT_MAX_BYTES = 4 * 1024 * 1024
FILE_FIELDS = ("files", "files[]")
MAX_PARTS = 16  # more files than that is refused as ATTACHMENT_TOO_MANY before anything is read
MAX_FIELD_BYTES = 16 * 1024  # a text field of the form


class JsonFile(BaseModel):
    fileName: str = Field(description="the file's name, e.g. analysis.pdf")
    mediaType: str | None = Field(None, description="application/pdf, image/jpeg or image/png")
    contentBase64: str = Field(description="the file's bytes, base64")


class H3DraftJson(BaseModel):
    diagnosisCode: str | None = Field(None, description="ICD-10, e.g. M17.1")
    diagnosisText: str | None = None
    examinedOn: str | None = Field(None, description="date of the clinical results, YYYY-MM-DD")
    consent: bool = Field(False, description="consent to access restricted personal data (item 9 3))")
    confirmation: str | None = Field("eds", description="eds or otp")
    files: list[JsonFile] = Field(default_factory=list)


def _invalid_body(detail: str) -> FormInvalid:
    return FormInvalid(
        f"Форма H3 не читается ({detail}): отправьте multipart/form-data или JSON (см. /docs)",
        f"H3 нысаны оқылмайды ({detail}): multipart/form-data немесе JSON жіберіңіз (/docs қараңыз)",
        code="FORM_UNREADABLE",
    )


async def read_h3_form(request: Request) -> tuple[H3Input, dict[str, str]]:
    """The posted form and its plain text fields (for re-showing the page, and the CSRF token)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return await _from_json(request), {}
    if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise _invalid_body(content_type or "no content-type")
    try:
        form = await request.form(
            max_files=MAX_PARTS, max_fields=MAX_PARTS * 2, max_part_size=MAX_FIELD_BYTES
        )
    except MultiPartException as exc:
        if "files" in str(exc).lower():
            raise AttachmentRefused(AttachmentTooMany(MAX_PARTS + 1, MAX_PARTS)) from exc
        raise _invalid_body(str(exc)) from exc
    text: dict[str, str] = {}
    files: list[tuple[str, str | None, bytes]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name in FILE_FIELDS:
                content = await value.read()
                if value.filename or content:
                    files.append((value.filename or "", value.content_type, content))
        else:
            text[name] = value
    await form.close()
    h3_input = H3Input(
        diagnosis_code=text.get("diagnosisCode"),
        diagnosis_text=text.get("diagnosisText"),
        examined_on=text.get("examinedOn"),
        consent=parse_consent(text.get("consent")),
        confirmation=text.get("confirmation"),
        files=files,
    )
    return h3_input, text


async def _from_json(request: Request) -> H3Input:
    body = parse_json_object(await request.body())
    if body is None:
        raise _invalid_body("JSON")
    try:
        parsed = H3DraftJson.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in error.get("loc", ())) for error in exc.errors()})
        raise _invalid_body(", ".join(fields)) from exc
    files = []
    for item in parsed.files:
        files.append((item.fileName, item.mediaType, _decode(item.fileName, item.contentBase64)))
    return H3Input(
        diagnosis_code=parsed.diagnosisCode,
        diagnosis_text=parsed.diagnosisText,
        examined_on=parsed.examinedOn,
        consent=parsed.consent,
        confirmation=parsed.confirmation,
        files=files,
    )


def _decode(name: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormInvalid(
            f"Содержимое файла «{name[:100]}» — не base64",
            f"«{name[:100]}» файлының мазмұны base64 емес",
            code="FILE_NOT_BASE64",
            field="files",
        ) from exc


def form_values(text: dict[str, Any]) -> dict[str, str]:
    """What the page re-shows after a refused form (never the files)."""
    keys = ("diagnosisCode", "diagnosisText", "examinedOn", "confirmation")
    values = {key: str(text.get(key, "")) for key in keys}
    values["consent"] = "on" if parse_consent(text.get("consent")) else ""
    return values
