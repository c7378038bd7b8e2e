"""H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении» through the real landscape.

The portal, ШЭП, РПН (phc-registry), ГБД ФЛ, НУЦ (nuc-mock) and the SMS gateway, as processes:

The citizens are persons of this module's own (added to ГБД ФЛ, attached in Тараз through H1, see
``h2_citizens``), so the documented test persons stay free for the replay scenarios.

* EDS: a citizen signs the request with their own key → ``done`` with the card 069/у, whose
  signature (the organisation's authorised person) verifies here too;
* one-time password: a citizen asks for a code, the test reads it from the SMS gateway's outbox
  (the phone's view) at the number the portal has for them, confirms → ``done``; the request РПН got
  was signed by the portal's own system certificate;
* no consent: the portal lets the request go with a warning; РПН refuses with ``NO_CONSENT``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_cli.replay.driver import KeyIssuer, TestPersonInfo, sign_xml
from egov_cli.replay.h3_portal_actions import tiny_pdf
from egov_kit.documents import h3
from egov_kit.shep.host import SystemIdentity
from egov_kit.xml import parse_xml

from tests.integration.conftest import identity, settings  # noqa: F401 (fixtures)
from tests.integration.h2_citizens import TARAZ, attached_citizen
from tests.integration.h2_citizens import Citizen as AttachedCitizen
from tests.portal.h3_support import form_fields

pytestmark = pytest.mark.integration

FINAL = {"done", "refused", "failed"}
CODE = re.compile(r"(?:құпиясөз|пароль): (\d{4,10})")


class Citizen:
    """A citizen of this module (attached in Тараз through H1), logged in for H3 on the portal's API."""

    def __init__(self, attached: AttachedCitizen) -> None:
        self.attached = attached
        self.person = TestPersonInfo(
            "generated", attached.person.iin, attached.person.surname, attached.person.name, TARAZ, None
        )
        self.http = attached.http
        self.csrf = ""
        self.phone = ""

    async def login(self) -> None:
        await self.attached.login("H3")
        self.csrf = self.attached.token
        me = await self.http.get("/api/me")
        assert me.status_code == 200, me.text
        self.phone = "+" + "".join(ch for ch in me.json()["user"]["phone"] if ch.isdigit())

    async def draft(self, **fields: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/api/applications/H3/draft",
            data=form_fields(**fields),
            files=[("files", ("анализ.pdf", tiny_pdf(), "application/pdf"))],
            headers={"X-CSRF-Token": self.csrf},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    async def signed_and_sent(self, draft: dict[str, Any], keys: Any) -> dict[str, Any]:
        """Condition 2 by EDS: the draft signed with the citizen's own key and sent; its final view."""
        signed = sign_xml(draft["xml"], keys.individual(self.person, "valid"))
        sent = await self.post(
            "/api/applications/H3", {"applicationId": draft["applicationId"], "signed_xml": signed}
        )
        assert sent.status_code == 202, sent.text
        return await self.wait(draft["applicationId"])

    async def wait(self, application_id: str, timeout: float = 60) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for _ in range(int(timeout / 0.5)):
            body = (await self.http.get(f"/api/applications/{application_id}")).json()
            if body["status"] in FINAL:
                return body
            await asyncio.sleep(0.5)
        return body


@pytest.fixture(scope="module")
def keys(landscape: Landscape) -> Any:
    issuer = KeyIssuer(httpx.Client(timeout=30), landscape.url("nuc-mock"))
    yield issuer
    issuer.client.close()


PERSONS = {
    "eds": ("700118", "3", "Қасымов", "Ерғали"),
    "otp": ("810623", "4", "Әбдірахманова", "Сәуле"),
    "no_consent": ("550909", "3", "Тоқтаров", "Болат"),
}


@pytest.fixture
async def citizen(request: pytest.FixtureRequest, landscape: Landscape, keys: Any) -> AsyncIterator[Citizen]:
    attached = await attached_citizen(
        PERSONS[request.param],
        portal_url=landscape.url("egov-portal"),
        gbd_url=landscape.url("gbd-fl-mock"),
        keys=keys,
    )
    found = Citizen(attached)
    await found.login()
    yield found
    await found.http.aclose()


@pytest.mark.parametrize("citizen", ["eds"], indirect=True)
async def test_eds_path_gives_the_card_whose_signature_verifies(
    citizen: Citizen,
    keys: Any,
    identity: SystemIdentity,  # noqa: F811
) -> None:
    draft = await citizen.draft()
    body = await citizen.signed_and_sent(draft, keys)
    assert body["status"] == "done", body
    assert [e.get("step") for e in body["history"]][-3:] == ["process 5", "process 6", "process 8"]
    assert body["details"]["registeredFor"] and body["details"]["dueAt"]
    result = body["result"]
    assert result["kind"] == "card" and result["signature_valid"] is True, result
    card = parse_xml(
        (await citizen.http.get(f"/api/applications/{draft['applicationId']}/result.xml")).content
    )
    signer = await h3.verify_issued(card, identity.validator)
    assert signer.bin == result["fields"]["organisation_bin"]
    fields = h3.card_fields(card)
    assert fields["recipient_iin"] == citizen.person.iin and fields["diagnosis_code"] == "M17.1"
    assert fields["application_id"] == draft["applicationId"]


@pytest.mark.parametrize("citizen", ["otp"], indirect=True)
async def test_otp_path_with_the_code_from_the_sms_outbox(
    citizen: Citizen,
    landscape: Landscape,
    identity: SystemIdentity,  # noqa: F811
) -> None:
    draft = await citizen.draft(confirmation="otp")
    application_id = draft["applicationId"]
    asked = await citizen.post(f"/api/applications/H3/{application_id}/otp", {})
    assert asked.status_code == 200, asked.text
    assert asked.json()["phoneMasked"].endswith(citizen.phone[-2:])
    async with httpx.AsyncClient(base_url=landscape.url("sms-gateway"), timeout=10) as phone:
        outbox = await phone.get("/api/outbox", params={"to": citizen.phone, "reference": application_id})
    [message] = outbox.json()["messages"]
    assert message["sender"] == "EGOV" and "Одноразовый пароль" in message["text"]
    code = CODE.search(message["text"])
    assert code is not None
    confirmed = await citizen.post(f"/api/applications/H3/{application_id}/confirm", {"code": code.group(1)})
    assert confirmed.status_code == 202, confirmed.text
    body = await citizen.wait(application_id)
    assert body["status"] == "done", body
    assert body["result"]["kind"] == "card" and body["result"]["signature_valid"] is True
    assert body["details"]["otp"]["confirmedAt"]
    again = await citizen.post(f"/api/applications/H3/{application_id}/confirm", {"code": code.group(1)})
    assert again.status_code == 409 and again.json()["error"] == "OTP_ALREADY_USED"


@pytest.mark.parametrize("citizen", ["no_consent"], indirect=True)
async def test_without_consent_the_provider_refuses_no_consent(citizen: Citizen, keys: Any) -> None:
    draft = await citizen.draft(consent="")
    assert [w["code"] for w in draft["warnings"]] == ["NO_CONSENT"]
    body = await citizen.signed_and_sent(draft, keys)
    assert body["status"] == "refused", body
    assert body["refusal"]["code"] == "NO_CONSENT" and body["refusal"]["step"] == "process 7"
    assert body["result"]["kind"] == "refusal" and body["result"]["signature_valid"] is True
