"""H2 «Запись на прием к врачу» in the replay (seed 001): the doctor and slot, the draft, the
cancellation, and the registry desk's journal entry.

Scenario actions (models here, carried out by :class:`H2Actions`, a mixin of the driver):

* ``choose_slot`` — the portal's form (``GET /api/services/H2/form``): the organisation the recipient
  is attached to, a doctor (``doctor: first`` — the first with free times —, a specialty code such as
  ``therapist``, or a doctorId) and one of the doctor's free times (``slot: first | last``);
* ``h2_draft`` — process 3: ``POST /api/applications/H2/draft`` {doctorId, slotStart, reason}; then the
  common ``sign``, ``submit`` and ``wait_result``;
* ``slot_booked_elsewhere`` — between the draft and the submission, the registry desk books the same
  time for another person (``archetype``, by phone): the clerk's own workstation session, in a trace of
  its own (not the scenario's); РПН then refuses the recipient's request at condition 3 (process 7,
  ``SLOT_TAKEN``);
* ``cancel`` — the booked appointment cancelled: ``GET …/cancellation``, signed with the recipient's
  key, ``POST …/cancel``, then the application's status until ``cancelled``;
* ``workstation_h2_book`` — the provider channel (seed 001 §5): after ``workstation_login``, the clerk
  books a free time of a doctor of their organisation for the recipient who came in person or called
  (``POST /api/workstation/h2/bookings``: step 1, step 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import Field

from egov_cli.replay.plumbing import ActionFailed, DriverPlumbing, ReplayAction

if TYPE_CHECKING:
    from egov_cli.replay.driver import KeyIssuer, RunState

DEFAULT_REASON = "Консультация / Кеңес"


class _SlotChoice(ReplayAction):
    doctor: str = Field("first", description="first, a specialty code (therapist) or a doctorId")
    slot: Literal["first", "last"] = "first"


class ChooseSlot(_SlotChoice):
    do: Literal["choose_slot"]


class H2Draft(ReplayAction):
    do: Literal["h2_draft"]
    reason: str | None = DEFAULT_REASON


class SlotBookedElsewhere(ReplayAction):
    do: Literal["slot_booked_elsewhere"]
    archetype: str = Field("minor", description="the person the registry desk books the chosen time for")
    channel: Literal["phone", "in_person"] = "phone"


class CancelAppointment(ReplayAction):
    do: Literal["cancel"]
    timeout_seconds: float = Field(60.0, gt=0, le=600)


class WorkstationH2Book(_SlotChoice):
    do: Literal["workstation_h2_book"]
    channel: Literal["in_person", "phone"] = "in_person"


H2_ACTIONS = (ChooseSlot, H2Draft, SlotBookedElsewhere, CancelAppointment, WorkstationH2Book)
H2_PORTAL_ACTIONS = frozenset({"choose_slot", "h2_draft", "slot_booked_elsewhere", "cancel"})
H2_PROVIDER_ACTIONS = frozenset({"workstation_h2_book"})

#: Which actions each H2 action needs earlier in the same scenario (setup included).
H2_NEEDS: dict[str, tuple[str, ...]] = {
    "choose_slot": ("login",),
    "h2_draft": ("choose_slot",),
    "slot_booked_elsewhere": ("choose_slot",),
    "cancel": ("wait_result",),
    "workstation_h2_book": ("workstation_login",),
}
#: What an H2 action stands for among the common ones (``sign`` needs a draft).
H2_PROVIDES: dict[str, tuple[str, ...]] = {"h2_draft": ("draft",)}


def pick(doctors: list[dict[str, Any]], doctor: str, slot: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The doctor (first with free times, by specialty, or by id) and its first or last free time."""
    candidates = [
        item
        for item in doctors
        if (item.get("slots") or [])
        and doctor in ("first", item.get("doctorId", item.get("doctor_id")), item.get("specialty"))
    ]
    if not candidates:
        raise ActionFailed(f"no doctor {doctor!r} with a free time is offered")
    chosen = candidates[0]
    slots = chosen["slots"]
    return chosen, slots[0] if slot == "first" else slots[-1]


class H2Actions(DriverPlumbing):
    """The driver's H2 actions (mixed into :class:`egov_cli.replay.driver.Driver`)."""

    # --- the portal ------------------------------------------------------------------------------
    def _choose_slot(
        self, action: ChooseSlot, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        response = self._get(state.portal, "/api/services/H2/form")
        ok, detail, code = self._answer(response)
        if not ok:
            return ok, detail, code
        form = response.json()
        doctor, slot = pick(form.get("doctors") or [], action.doctor, action.slot)
        state.organisation_code = str(form["organisation"]["code"])
        state.h2.update(
            {
                "organisation": state.organisation_code,
                "doctorId": doctor["doctorId"],
                "slotStart": slot["start"],
            }
        )
        return True, f"{doctor['doctorId']} at {slot['start']} ({state.organisation_code})", None

    def _h2_draft(self, action: H2Draft, state: RunState, keys: KeyIssuer) -> tuple[bool, str, str | None]:
        body = {"doctorId": state.h2["doctorId"], "slotStart": state.h2["slotStart"], "reason": action.reason}
        response = self._post(state.portal, "/api/applications/H2/draft", body, state.csrf)
        ok, detail, code = self._answer(response)
        if ok:
            detail = self._keep_draft(state, response.json(), "H2 draft")
        return ok, detail, code

    def _slot_booked_elsewhere(
        self, action: SlotBookedElsewhere, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        """The registry desk books the chosen time for someone else, in its own session and trace."""
        from egov_cli.replay.driver import TestPersonInfo, employee_account
        from egov_cli.replay.scenario import Employee

        other = TestPersonInfo.of(action.archetype)
        account = employee_account(Employee(organisation=state.h2["organisation"]), state.recipient)
        with httpx.Client(
            base_url=self.endpoints.phc.rstrip("/"), timeout=self.timeout, transport=self.transport
        ) as desk:
            login = desk.post(
                "/api/workstation/login", json={"iin": account["iin"], "password": account["password"]}
            )
            ok, detail, code = self._answer(login)
            if not ok:
                return ok, f"workstation login: {detail}", code
            booking = desk.post(
                "/api/workstation/h2/bookings",
                json={
                    "iin": other.iin,
                    "doctorId": state.h2["doctorId"],
                    "slotStart": state.h2["slotStart"],
                    "channel": action.channel,
                    "fullName": f"{other.surname} {other.name}",
                },
                headers={"X-CSRF-Token": str(login.json().get("csrf_token", ""))},
            )
        ok, detail, code = self._answer(booking)
        if ok:
            detail = f"booked {booking.json().get('booking_number')} for {other.archetype} ({other.iin})"
        return ok, detail, code

    def _cancel(
        self, action: CancelAppointment, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        from egov_cli.replay.driver import sign_xml

        prepared = self._get(state.portal, f"/api/applications/{state.application_id}/cancellation")
        ok, detail, code = self._answer(prepared)
        if not ok:
            return ok, detail, code
        keypair = keys.individual(state.recipient, "valid")
        signed = sign_xml(str(prepared.json()["xml"]), keypair)
        response = self._post(
            state.portal,
            f"/api/applications/{state.application_id}/cancel",
            {"signed_xml": signed},
            state.csrf,
        )
        ok, detail, code = self._answer(response)
        if not ok:
            return ok, detail, code
        cancelled, status = self._await_status(state, action.timeout_seconds, ("cancelled",))
        if cancelled:
            return True, "status cancelled (the slot is free again)", None
        return False, f"not cancelled within {action.timeout_seconds:.0f} s (last: {status})", "TIMEOUT"

    # --- the registry desk (provider channel) ------------------------------------------------------
    def _workstation_h2_book(
        self, action: WorkstationH2Book, state: RunState, keys: KeyIssuer
    ) -> tuple[bool, str, str | None]:
        response = self._get(state.phc, "/api/workstation/h2/doctors")
        ok, detail, code = self._answer(response)
        if not ok:
            return ok, detail, code
        doctors = [
            {**item, "doctorId": item.get("doctor_id")} for item in response.json().get("doctors") or []
        ]
        doctor, slot = pick(doctors, action.doctor, action.slot)
        booking = self._post(
            state.phc,
            "/api/workstation/h2/bookings",
            {
                "iin": state.recipient.iin,
                "doctorId": doctor["doctorId"],
                "slotStart": slot["start"],
                "channel": action.channel,
            },
            state.phc_csrf,
        )
        ok, detail, code = self._answer(booking)
        if ok:
            body = booking.json()
            state.final_status = (
                "booked" if body.get("status") == "ACTIVE" else str(body.get("status")).lower()
            )
            state.result_kind = "appointment"
            state.application_ids.append(str(body.get("booking_number")))
            detail = f"journal entry {body.get('booking_number')}: {doctor['doctorId']}, {slot['start']}"
        return ok, detail, code
