"""H3 at the provider in the replay (seed 004, steps 1–8): the workstation's ``/api/workstation/h3``.

Scenario actions (models here, carried out by :class:`H3ProviderActions`, a mixin of the driver):

* ``h3_workstation_login`` — step 1: ``POST /api/workstation/h3/login`` (the employee of
  ``actors.employee``, as ``workstation_login`` picks them);
* ``h3_choose_service`` — step 2: ``POST /api/workstation/h3/service``;
* ``h3_lookup`` — step 3: ``POST /api/workstation/h3/lookup``; refused when ГБД ФЛ has no data (the
  workstation's step 4, ``UNRELIABLE_DATA``);
* ``h3_workstation_draft`` — step 5: the scanned clinical results (``POST /files``, generated small
  PDF/PNG/JPEG files), then the request form (``POST /draft``: diagnosis, the results' date
  ``examined_days_ago`` before today, the consent);
* ``h3_workstation_sign`` — the employee signs the request with their employee certificate;
* ``h3_workstation_register`` — steps 5–6: ``POST /register``: number, term, the ground step 6 found;
* ``h3_issue_card`` — step 8: the card's form, signed by the employee, ``POST …/decision``;
* ``h3_refuse`` — step 7: the refusal's form (``ground``: one of item 9's, default the one step 6
  found), signed by the employee, ``POST …/decision``.

The final status is the request's (``issued`` / ``refused``), the result ``card`` or ``refusal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import httpx
from egov_kit.clock import KZ_TZ, now
from pydantic import Field

from egov_cli.replay.h3_portal_actions import CONTENT, FileKind, H3Clinical
from egov_cli.replay.plumbing import ActionFailed, Answer, DriverPlumbing, ReplayAction, find_value, json_body

if TYPE_CHECKING:
    from egov_cli.replay.driver import KeyIssuer, RunState

API = "/api/workstation/h3"


class H3WorkstationLogin(ReplayAction):
    do: Literal["h3_workstation_login"]


class H3ChooseService(ReplayAction):
    do: Literal["h3_choose_service"]


class H3Lookup(ReplayAction):
    do: Literal["h3_lookup"]


class H3WorkstationDraft(H3Clinical):
    do: Literal["h3_workstation_draft"]
    files: list[FileKind] = Field(default_factory=lambda: list[FileKind](["pdf"]), max_length=3)


class H3WorkstationSign(ReplayAction):
    do: Literal["h3_workstation_sign"]


class H3WorkstationRegister(ReplayAction):
    do: Literal["h3_workstation_register"]


class H3IssueCard(ReplayAction):
    do: Literal["h3_issue_card"]
    season_ru: str | None = None
    season_kk: str | None = None


class H3Refuse(ReplayAction):
    do: Literal["h3_refuse"]
    ground: Literal["UNRELIABLE_DATA", "REQUIREMENTS_NOT_MET", "NO_CONSENT"] | None = None
    details_ru: str | None = None
    details_kk: str | None = None


H3_PROVIDER_ACTIONS = (
    H3WorkstationLogin,
    H3ChooseService,
    H3Lookup,
    H3WorkstationDraft,
    H3WorkstationSign,
    H3WorkstationRegister,
    H3IssueCard,
    H3Refuse,
)
H3_PROVIDER_ACTION_NAMES = frozenset(
    {
        "h3_workstation_login",
        "h3_choose_service",
        "h3_lookup",
        "h3_workstation_draft",
        "h3_workstation_sign",
        "h3_workstation_register",
        "h3_issue_card",
        "h3_refuse",
    }
)
#: Which actions each of them needs earlier in the same scenario.
H3_PROVIDER_NEEDS: dict[str, tuple[str, ...]] = {
    "h3_choose_service": ("h3_workstation_login",),
    "h3_lookup": ("h3_workstation_login",),
    "h3_workstation_draft": ("h3_lookup",),
    "h3_workstation_sign": ("h3_workstation_draft",),
    "h3_workstation_register": ("h3_workstation_sign",),
    "h3_issue_card": ("h3_workstation_register",),
    "h3_refuse": ("h3_workstation_register",),
}

_FILE_NAMES: dict[str, str] = {"pdf": "analyses.pdf", "png": "xray.png", "jpeg": "ecg.jpg"}


def _scan(kind: FileKind) -> tuple[str | None, bytes, str | None]:
    """A generated scan of the clinical results, as the workstation's upload sends it."""
    media, make = CONTENT[kind]
    return _FILE_NAMES[kind], make(), media


class H3ProviderActions(DriverPlumbing):
    """The driver's H3 workstation actions (mixed into :class:`egov_cli.replay.driver.Driver`)."""

    # --- steps 1 to 3 ----------------------------------------------------------------------------
    def _h3_workstation_login(self, action: H3WorkstationLogin, state: RunState, keys: KeyIssuer) -> Answer:
        from egov_cli.replay.driver import employee_account

        employee = state.scenario.actors.employee
        assert employee is not None
        account = employee_account(employee, state.recipient)
        response = self._post(
            state.phc, f"{API}/login", {"iin": account["iin"], "password": account["password"]}, None
        )
        ok, detail, code = self._answer(response)
        if ok:
            body = json_body(response)
            state.phc_csrf = find_value(body, "csrf_token")
            organisation = find_value(body, "organisation") or {}
            state.employee = {
                **account,
                "bin": account.get("bin") or find_value(organisation, "bin"),
                "organisation": account.get("organisation_name") or find_value(organisation, "name_ru"),
                "organisation_code": account.get("organisation_code") or find_value(organisation, "code"),
            }
            detail = f"employee {account['iin']} of {state.employee['organisation_code']}"
        return ok, detail, code

    def _h3_choose_service(self, action: H3ChooseService, state: RunState, keys: KeyIssuer) -> Answer:
        return self._answer(self._post(state.phc, f"{API}/service", {}, state.phc_csrf))

    def _h3_lookup(self, action: H3Lookup, state: RunState, keys: KeyIssuer) -> Answer:
        response = self._post(state.phc, f"{API}/lookup", {"iin": state.recipient.iin}, state.phc_csrf)
        ok, detail, code = self._answer(response)
        body = json_body(response)
        if ok and isinstance(body, dict) and body.get("refusal"):
            # step 4: ГБД ФЛ has no data on the recipient; the workstation forms a motivated refusal
            state.final_status, state.result_kind = "refused", "refusal"
            return (
                False,
                "no data in ГБД ФЛ (step 4)",
                str(body["refusal"].get("ground") or "UNRELIABLE_DATA"),
            )
        if ok:
            state.workstation_person = body
            detail = f"{body.get('status')}, attached to {body.get('attached_to') or '—'}"
        return ok, detail, code

    # --- step 5 ----------------------------------------------------------------------------------
    def _h3_workstation_draft(self, action: H3WorkstationDraft, state: RunState, keys: KeyIssuer) -> Answer:
        digests: list[str] = []
        if action.files:
            try:
                uploaded = state.phc.post(
                    f"{API}/files",
                    files=[("files", _scan(kind)) for kind in action.files],
                    headers={"X-CSRF-Token": state.phc_csrf or ""},
                )
            except httpx.HTTPError as exc:
                raise ActionFailed(f"{state.phc.base_url}{API}/files is unreachable: {exc}") from exc
            ok, detail, code = self._answer(uploaded)
            if not ok:
                return ok, detail, code
            digests = [str(item["sha256"]) for item in json_body(uploaded)]
        examined = now().astimezone(KZ_TZ).date() - timedelta(days=action.examined_days_ago)
        response = self._post(
            state.phc,
            f"{API}/draft",
            {
                "iin": state.recipient.iin,
                "diagnosis_code": action.diagnosis_code,
                "diagnosis_text": action.diagnosis_text,
                "examined_on": examined.isoformat(),
                "consent": action.consent,
                "files": digests,
            },
            state.phc_csrf,
        )
        ok, detail, code = self._answer(response)
        if ok:
            body = json_body(response)
            state.workstation_draft = body.get("xml") if isinstance(body, Mapping) else None
            if not state.workstation_draft:
                raise ActionFailed("the H3 workstation draft carries no xml")
            detail = f"request {body.get('application_id')} with {len(digests)} file(s)"
        return ok, detail, code

    def _h3_workstation_sign(self, action: H3WorkstationSign, state: RunState, keys: KeyIssuer) -> Answer:
        return self._workstation_sign(action, state, keys)

    # --- steps 5–6 -------------------------------------------------------------------------------
    def _h3_workstation_register(
        self, action: H3WorkstationRegister, state: RunState, keys: KeyIssuer
    ) -> Answer:
        response = self._post(
            state.phc, f"{API}/register", {"signed_xml": state.workstation_signed}, state.phc_csrf
        )
        return self._took(response, state, "registered")

    def _took(self, response: httpx.Response, state: RunState, verb: str) -> Answer:
        ok, detail, code = self._answer(response)
        body = json_body(response)
        if not ok or not isinstance(body, dict):
            return ok, detail, code
        state.application = body
        status = str(body.get("status") or "")
        state.final_status = status.lower() or None
        if body.get("card"):
            state.result_kind = "card"
        elif body.get("refusal"):
            state.result_kind = "refusal"
        number = str(body.get("registration_number") or "")
        if number and number not in state.application_ids:
            state.application_ids.append(number)
        found = (body.get("found_ground") or {}).get("code")
        ground = f", ground found: {found}" if found else ""
        detail = f"{verb} {number} ({status}{ground}), due {body.get('due_at')}"
        return True, detail, None

    # --- steps 7 and 8: the employee's decision, signed ------------------------------------------
    def _decide(
        self, form_path: str, payload: dict[str, Any], state: RunState, keys: KeyIssuer, verb: str
    ) -> Answer:
        number = state.application_ids[-1] if state.application_ids else None
        if number is None:
            raise ActionFailed("no registered H3 request (add h3_workstation_register before)")
        form = self._post(state.phc, f"{API}/applications/{number}/{form_path}", payload, state.phc_csrf)
        ok, detail, code = self._answer(form)
        if not ok:
            return ok, detail, code
        state.workstation_draft = str(json_body(form)["xml"])
        ok, detail, code = self._workstation_sign(None, state, keys)
        if not ok:
            return ok, detail, code
        response = self._post(
            state.phc,
            f"{API}/applications/{number}/decision",
            {"signed_xml": state.workstation_signed},
            state.phc_csrf,
        )
        return self._took(response, state, verb)

    def _h3_issue_card(self, action: H3IssueCard, state: RunState, keys: KeyIssuer) -> Answer:
        payload = {key: value for key in ("season_ru", "season_kk") if (value := getattr(action, key))}
        return self._decide("card", payload, state, keys, "card issued for")

    def _h3_refuse(self, action: H3Refuse, state: RunState, keys: KeyIssuer) -> Answer:
        payload = {
            key: value for key in ("ground", "details_ru", "details_kk") if (value := getattr(action, key))
        }
        return self._decide("refusal", payload, state, keys, "refused")
