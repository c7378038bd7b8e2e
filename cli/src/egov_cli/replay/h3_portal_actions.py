"""H3 through the portal in the replay (seed 004): the draft with files, and the one-time password.

Scenario actions (models here, carried out by :class:`H3PortalActions`, a mixin of the driver):

* ``h3_draft`` — process 3: ``POST /api/applications/H3/draft`` (JSON, files base64) with the
  diagnosis, the date of the results (``examined_days_ago`` before the submission), the files
  (generated: a tiny valid PDF, PNG or JPEG), the consent, ``confirmation: eds | otp`` and, for the
  after-hours path, ``simulated_time`` (sent as ``X-Egov-Simulated-Time``: the portal's sandbox
  stamps it as ``submittedAt``). The EDS branch then goes on with the common ``sign`` and ``submit``.
* ``request_otp`` — ``POST /api/applications/H3/{id}/otp``: the portal sends the code by SMS.
* ``read_otp`` — the phone: the code from the SMS gateway's outbox (``GET /api/outbox?to=&reference=``,
  ``SMS_GATEWAY_URL``), sent to the number the recipient registered.
* ``confirm_otp`` — condition 2: ``POST /api/applications/H3/{id}/confirm``; ``wrong_codes: N``
  types N wrong codes first (3 lock the request: process 4, refused with ``OTP_LOCKED``).
* ``h1_attach`` — setup only: attach the recipient through H1 on the portal first (when РПН knows no
  attachment), so that H3 has an organisation to ask (e.g. the ``expired_document`` person).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import httpx
from egov_kit.clock import now
from pydantic import Field, field_validator

from egov_cli.replay.plumbing import (
    FINAL_STATUSES,
    ActionFailed,
    DriverPlumbing,
    ReplayAction,
    StrictModel,
    find_value,
    json_object,
    registered_phone,
)

if TYPE_CHECKING:
    from egov_cli.replay.driver import KeyIssuer, RunState

FileKind = Literal["pdf", "png", "jpeg"]
_CODE = re.compile(r"(?:құпиясөз|пароль): (\d{4,10})")
_KZ = "+05:00"


class H3File(StrictModel):
    name: str = "analysis.pdf"
    kind: FileKind = "pdf"


class H3Clinical(ReplayAction):
    """The request's clinical part, the same through the portal and at the workstation."""

    diagnosis_code: str = "M17.1"
    diagnosis_text: str = "Первичный двусторонний гонартроз / Біріншілік екі жақты гонартроз"
    examined_days_ago: int = Field(
        3, ge=0, le=3650, description="the results' date before submittedAt (the workstation: today)"
    )
    consent: bool = True


class H3Draft(H3Clinical):
    do: Literal["h3_draft"]
    confirmation: Literal["eds", "otp"] = "eds"
    files: list[H3File] = Field(default_factory=lambda: [H3File()])
    simulated_time: str | None = Field(
        None, description="X-Egov-Simulated-Time: an ISO moment (no offset: Kazakhstan time)"
    )

    @field_validator("simulated_time")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is not None:
            datetime.fromisoformat(value)
        return value


class RequestOtp(ReplayAction):
    do: Literal["request_otp"]


class ReadOtp(ReplayAction):
    do: Literal["read_otp"]
    timeout_seconds: float = Field(15.0, gt=0, le=300)


class ConfirmOtp(ReplayAction):
    do: Literal["confirm_otp"]
    wrong_codes: int = Field(0, ge=0, le=10, description="wrong codes typed before the right one")


class H1Attach(ReplayAction):
    do: Literal["h1_attach"]
    timeout_seconds: float = Field(60.0, gt=0, le=600)


H3_ACTIONS = (H3Draft, RequestOtp, ReadOtp, ConfirmOtp, H1Attach)
H3_ACTION_NAMES = frozenset({"h3_draft", "request_otp", "read_otp", "confirm_otp", "h1_attach"})
#: Which actions each H3 action needs earlier in the same scenario (setup included).
H3_NEEDS: dict[str, tuple[str, ...]] = {
    "h3_draft": ("login",),
    "h1_attach": ("login",),
    "request_otp": ("h3_draft",),
    "read_otp": ("request_otp",),
    "confirm_otp": ("request_otp",),
}
#: What an H3 action stands for among the common ones (``sign`` needs a draft, ``wait_result`` a submit).
H3_PROVIDES: dict[str, tuple[str, ...]] = {"h3_draft": ("draft",), "confirm_otp": ("sign", "submit")}


# --- generated files -----------------------------------------------------------------------------
def tiny_pdf(text: str = "H3") -> bytes:
    """A small valid PDF: one page, its cross-reference offsets computed."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


#: Each kind of generated file: its media type and how to make its content.
CONTENT: dict[str, tuple[str, Callable[[], bytes]]] = {
    "pdf": ("application/pdf", tiny_pdf),
    "png": ("image/png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "jpeg": ("image/jpeg", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"),
}


def file_json(spec: H3File) -> dict[str, str]:
    media, make = CONTENT[spec.kind]
    return {"fileName": spec.name, "mediaType": media, "contentBase64": base64.b64encode(make()).decode()}


def simulated_moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else datetime.fromisoformat(value + _KZ)


def phone_of(state: RunState) -> str:
    """The number the recipient registered (the driver's ``register``): ``+77xxxxxxxxx``."""
    return "".join(ch for ch in registered_phone(state) if ch.isdigit() or ch == "+")


class H3PortalActions(DriverPlumbing):
    """The driver's H3 actions (mixed into :class:`egov_cli.replay.driver.Driver`)."""

    # --- process 3 -------------------------------------------------------------------------------
    def _h3_draft(self, action: H3Draft, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        submitted = simulated_moment(action.simulated_time) if action.simulated_time else None
        base = submitted or now()
        examined = (base - timedelta(days=action.examined_days_ago)).date()
        payload = {
            "diagnosisCode": action.diagnosis_code,
            "diagnosisText": action.diagnosis_text,
            "examinedOn": examined.isoformat(),
            "consent": action.consent,
            "confirmation": action.confirmation,
            "files": [file_json(spec) for spec in action.files],
        }
        simulated = {"X-Egov-Simulated-Time": action.simulated_time} if action.simulated_time else None
        response = self._post(state.portal, "/api/applications/H3/draft", payload, state.csrf, simulated)
        ok, detail, code = self._answer(response)
        if not ok:
            return ok, detail, code
        body = response.json()
        detail = self._keep_draft(state, body, "H3 draft") + f" ({action.confirmation})"
        warnings = ", ".join(str(w.get("code")) for w in body.get("warnings") or [])
        if body.get("simulatedTime"):
            detail += f", submittedAt {body.get('submittedAt')} (simulated)"
        return True, detail + (f", warnings: {warnings}" if warnings else ""), None

    # --- condition 2 by one-time password --------------------------------------------------------
    def _request_otp(
        self, action: RequestOtp, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        response = self._post(
            state.portal, f"/api/applications/H3/{state.application_id}/otp", {}, state.csrf
        )
        ok, detail, code = self._answer(response)
        if ok:
            detail = f"code sent to {response.json().get('phoneMasked')}"
        return ok, detail, code

    def _read_otp(self, action: ReadOtp, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        """The phone's view: the newest SMS to the registered number about this application."""
        phone = phone_of(state)
        deadline = time.monotonic() + action.timeout_seconds
        params = {"to": phone, "reference": str(state.application_id), "limit": "1"}
        with self._client(self.endpoints.sms) as sms:
            while True:
                try:
                    response = sms.get("/api/outbox", params=params)
                except httpx.HTTPError as exc:
                    raise ActionFailed(
                        f"the SMS gateway at {self.endpoints.sms} is unreachable: {exc}"
                    ) from exc
                messages = response.json().get("messages", []) if response.is_success else []
                found = _CODE.search(messages[0]["text"]) if messages else None
                if found is not None:
                    state.otp_code = found.group(1)
                    return True, f"SMS to {phone[:5]}***{phone[-2:]} read", None
                if time.monotonic() > deadline:
                    return False, f"no SMS to {phone} within {action.timeout_seconds:.0f} s", "NO_SMS"
                time.sleep(0.3)

    def _confirm_otp(
        self, action: ConfirmOtp, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        path = f"/api/applications/H3/{state.application_id}/confirm"
        right = state.otp_code or ""
        wrong = "000000" if right != "000000" else "111111"
        codes = [wrong] * action.wrong_codes + ([right] if right else [])
        response: httpx.Response | None = None
        for code in codes:
            response = self._post(state.portal, path, {"code": code}, state.csrf)
            if response.status_code != 422 or json_object(response).get("error") != "OTP_WRONG":
                break  # sent, or process 4, or another refusal: the path goes no further
        if response is None:
            return False, "no code to type (add read_otp before confirm_otp)", "OTP_REQUIRED"
        body = json_object(response)
        status = self._status(state) or find_value(body, "status")  # also keeps the application's view
        if isinstance(status, str) and status in FINAL_STATUSES:
            state.final_status = status
        if body.get("step") == "process 4":
            reason = find_value(body.get("reason"), "code")
            return False, "refused at condition 2 (process 4)", str(reason or body.get("error"))
        return self._answer(response)

    # --- setup: attached through H1 first --------------------------------------------------------
    def _h1_attach(self, action: H1Attach, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        """H1 on the portal for the recipient (skipped when РПН already knows an attachment)."""
        from egov_cli.replay.driver import choose_organisation, organisations_in, sign_xml

        form = self._get(state.portal, "/api/services/H3/form")
        if form.is_success and form.json().get("organisation"):
            return True, f"already attached to {form.json()['organisation']['code']}", None
        h1_form = self._get(state.portal, "/api/services/H1/form")
        ok, detail, code = self._answer(h1_form)
        if not ok:
            return ok, detail, code
        organisation = choose_organisation(
            organisations_in(h1_form.json()), state.recipient.locality, state.recipient.region
        )
        draft = self._post(
            state.portal,
            "/api/applications/H1/draft",
            {"organisationCode": organisation, "reason": "Для H3 / H3 үшін"},
            state.csrf,
        )
        ok, detail, code = self._answer(draft)
        if not ok:
            return ok, detail, code
        application_id = str(find_value(draft.json(), "applicationId"))
        signed = sign_xml(str(find_value(draft.json(), "xml")), keys.individual(state.recipient, "valid"))
        submitted = self._post(
            state.portal,
            "/api/applications/H1",
            {"applicationId": application_id, "signed_xml": signed},
            state.csrf,
        )
        ok, detail, code = self._answer(submitted)
        if not ok:
            return ok, detail, code
        deadline = time.monotonic() + action.timeout_seconds
        while time.monotonic() < deadline:
            body = self._get(state.portal, f"/api/applications/{application_id}").json()
            if body.get("status") == "done":
                return True, f"attached to {organisation} (H1 {application_id})", None
            if body.get("status") in ("refused", "failed"):
                return False, f"H1 {body.get('status')}", str(find_value(body.get("refusal"), "code"))
            time.sleep(0.5)
        raise ActionFailed(f"H1 gave no talon within {action.timeout_seconds:.0f} s")
