"""H2 «Запись на прием к врачу» through the portal and the real landscape (portal, ШЭП, РПН, ГБД ФЛ, НУЦ).

Two persons of the test's own (added to ГБД ФЛ through its admin API, living in Тараз, used by no other
test) first attach to polyclinic №1 of Тараз through the portal (H1), then book through the portal:

* a free slot → ``done`` with the appointment signed by the organisation's authorised person, whose
  signature verifies; the cabinet shows the doctor, the cabinet, the date and time;
* both at once the SAME slot → exactly one ``done`` and one ``refused`` with ``SLOT_TAKEN`` (РПН's
  partial unique index decides);
* the booked appointment cancelled (a signed cancellation) → ``cancelled``, and the slot is offered
  again by the form.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_cli.replay.driver import KeyIssuer
from egov_kit.documents import h2
from egov_kit.shep.host import SystemIdentity
from egov_kit.xml import parse_xml

from tests.integration.conftest import identity, settings  # noqa: F401 (fixtures)
from tests.integration.h2_citizens import ORGANISATION, Citizen, attached_citizen

pytestmark = pytest.mark.integration


# Born 1983-07-14 (a man) and 1986-11-02 (a woman): this module's own persons.
PERSONS = (("830714", "3", "Сейтқали", "Бауыржан"), ("861102", "4", "Омарова", "Динара"))


@pytest.fixture(scope="module")
async def citizens(landscape: Landscape) -> AsyncIterator[tuple[Citizen, Citizen]]:
    """The two persons, attached to polyclinic №1 of Тараз through the portal (H1), logged in for H2."""
    keys = KeyIssuer(httpx.Client(timeout=30), landscape.url("nuc-mock"))
    people = [
        await attached_citizen(
            spec, portal_url=landscape.url("egov-portal"), gbd_url=landscape.url("gbd-fl-mock"), keys=keys
        )
        for spec in PERSONS
    ]
    for citizen in people:
        await citizen.login("H2")
    yield people[0], people[1]
    for citizen in people:
        await citizen.http.aclose()
    keys.client.close()


def therapist(form: dict[str, Any]) -> dict[str, Any]:
    return next(
        doctor for doctor in form["doctors"] if doctor["specialty"] == "therapist" and doctor["slots"]
    )


async def test_a_free_slot_is_booked_with_a_signed_appointment(
    citizens: tuple[Citizen, Citizen],
    identity: SystemIdentity,  # noqa: F811
) -> None:
    citizen, _other = citizens
    form = await citizen.form()
    assert form["organisation"]["code"] == ORGANISATION and form["organisation"]["section"] == "1"  # ул. Абая
    doctor = therapist(form)
    slot = doctor["slots"][0]["start"]

    application_id = await citizen.submit("H2", await citizen.draft(doctor["doctorId"], slot))
    body = await citizen.wait(application_id)
    assert body["status"] == "done", body
    assert [event["step"] for event in body["history"] if event.get("step")][-2:] == [
        "process 6",
        "process 8",
    ]
    result = body["result"]
    assert result["kind"] == "appointment" and result["signature_valid"] is True
    fields = result["fields"]
    assert (fields["doctor_id"], fields["cabinet"], fields["recipient_iin"]) == (
        doctor["doctorId"],
        doctor["cabinet"],
        citizen.person.iin,
    )
    assert fields["slot_start"][:16] == slot[:16] and body["registrationNumber"].startswith("RPN-")

    # the appointment as received verifies: signed by the organisation's authorised person
    document = parse_xml((await citizen.http.get(f"/api/applications/{application_id}/result.xml")).content)
    signer = await h2.verify_issued(document, identity.validator)
    assert signer.kind == "employee" and signer.bin == "050240001112"  # ZHM-TRZ-01

    # the slot is no longer offered
    again = await citizen.form()
    offered = next(d for d in again["doctors"] if d["doctorId"] == doctor["doctorId"])
    assert slot not in [s["start"] for s in offered["slots"]]


async def test_two_recipients_booking_the_same_slot_at_once(citizens: tuple[Citizen, Citizen]) -> None:
    first, second = citizens
    doctor = therapist(await first.form())
    slot = doctor["slots"][-1]["start"]  # the last offered: nobody else's
    drafts = [await first.draft(doctor["doctorId"], slot), await second.draft(doctor["doctorId"], slot)]
    submitted = await asyncio.gather(first.submit("H2", drafts[0]), second.submit("H2", drafts[1]))
    bodies = await asyncio.gather(first.wait(submitted[0]), second.wait(submitted[1]))
    statuses = sorted(body["status"] for body in bodies)
    assert statuses == ["done", "refused"], bodies
    refused = next(body for body in bodies if body["status"] == "refused")
    assert refused["refusal"]["code"] == "SLOT_TAKEN" and refused["refusal"]["step"] == "process 7"
    assert refused["result"]["kind"] == "refusal" and refused["result"]["signature_valid"] is True
    assert "уже занято" in refused["refusal"]["ru"] and refused["refusal"]["kk"]


async def test_cancelling_frees_the_slot(citizens: tuple[Citizen, Citizen]) -> None:
    _first, citizen = citizens
    doctor = therapist(await citizen.form())
    slot = doctor["slots"][1]["start"]
    application_id = await citizen.submit("H2", await citizen.draft(doctor["doctorId"], slot))
    assert (await citizen.wait(application_id))["status"] == "done"

    prepared = await citizen.http.get(f"/api/applications/{application_id}/cancellation")
    assert prepared.status_code == 200, prepared.text
    response = await citizen.post(
        f"/api/applications/{application_id}/cancel", {"signed_xml": citizen.sign(prepared.json()["xml"])}
    )
    assert response.status_code == 202, response.text
    body = await citizen.wait(application_id, {"cancelled"})
    assert body["details"]["cancellation"]["status"] == "cancelled"

    offered = next(d for d in (await citizen.form())["doctors"] if d["doctorId"] == doctor["doctorId"])
    assert slot in [s["start"] for s in offered["slots"]]
