"""H3 through the portal: condition 2 by EDS, process 4/5, РПН's UPDATE and RESPONSE (card or refusal)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h3
from egov_kit.pki import KeyPair
from fastapi.testclient import TestClient
from lxml import etree

from tests.portal import h3_support as h
from tests.portal import support

Login = Callable[..., str]


@pytest.fixture
def shep() -> h.H3Shep:
    return h.H3Shep()


def signed(xml: str, keypair: KeyPair) -> str:
    element = etree.fromstring(xml.encode("utf-8"))
    h3.sign_with(element, keypair)
    return etree.tostring(element, encoding="unicode")


submit = partial(support.submit, service_id="H3")


def sent_application(client: TestClient, token: str, keypair: KeyPair, **fields: Any) -> tuple[str, str]:
    created = h.draft(client, token, **fields)
    assert created.status_code == 201, created.text
    application_id = created.json()["applicationId"]
    response = submit(client, token, application_id, signed(created.json()["xml"], keypair))
    assert response.status_code == 202, response.text
    return application_id, response.json()["messageId"]


def answered(
    client: TestClient,
    token: str,
    keypair: KeyPair,
    answer: Callable[[str], etree._Element],
    message_type: str = "RESPONSE",
    **fields: Any,
) -> tuple[str, Any]:
    """An application signed with ``keypair`` and sent, then РПН's ``answer(application_id)``: its view."""
    application_id, message_id = sent_application(client, token, keypair, **fields)
    h.deliver(client, answer(application_id), message_type, message_id)
    return application_id, client.get(f"/api/applications/{application_id}").json()


def test_signed_with_the_recipients_key_the_application_goes_to_the_provider(
    client: TestClient, api_login: Login, keys: Any, shep: h.H3Shep
) -> None:
    token = api_login()
    application_id, message_id = sent_application(client, token, keys.adult)
    [sent] = shep.sent
    assert sent.service_id == "PHC_SanatoriumCard" and sent.message_id == message_id
    parsed = h3.parse_application(sent.element)
    assert parsed.application_id == application_id and parsed.signed and parsed.confirmation == "eds"
    assert parsed.files[0].content == h.PDF
    history = client.get(f"/api/applications/{application_id}").json()["history"]
    assert [e["step"] for e in history] == ["process 5"]


@pytest.mark.parametrize(("key", "reason"), [("adult_vko", "IIN_MISMATCH"), ("revoked", "CERT_REVOKED")])
def test_a_signature_that_is_not_confirmed_is_process_4(
    client: TestClient, api_login: Login, keys: Any, shep: h.H3Shep, key: str, reason: str
) -> None:
    token = api_login()
    created = h.draft(client, token).json()
    response = submit(client, token, created["applicationId"], signed(created["xml"], getattr(keys, key)))
    assert response.status_code == 422, response.text
    assert response.json()["step"] == "process 4" and response.json()["reason"]["code"] == reason
    assert shep.sent == []


def test_a_signed_document_other_than_the_draft_is_refused(
    client: TestClient, api_login: Login, keys: Any, shep: h.H3Shep
) -> None:
    token = api_login()
    created = h.draft(client, token).json()
    other = h.draft(client, token, diagnosisCode="J45.0").json()
    forged = other["xml"].replace(other["applicationId"], created["applicationId"])
    response = submit(client, token, created["applicationId"], signed(forged, keys.adult))
    assert response.status_code == 422 and response.json()["reason"]["code"] == "DOCUMENT_MISMATCH"


def test_the_update_gives_the_number_the_term_start_and_the_due_moment(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    monday = datetime(2025, 3, 17, 9, 0, tzinfo=KZ_TZ)
    due = datetime(2025, 3, 18, 18, 30, tzinfo=KZ_TZ)
    application_id, body = answered(
        client,
        api_login(),
        keys.adult,
        lambda app_id: h.status(app_id, "RPN-2025-000042", monday, due),
        "UPDATE",
    )
    assert body["status"] == "registered" and body["registrationNumber"] == "RPN-2025-000042"
    assert datetime.fromisoformat(body["details"]["registeredFor"]) == monday
    assert datetime.fromisoformat(body["details"]["dueAt"]) == due
    page = client.get(f"/applications/{application_id}?lang=ru").text
    assert 'data-registered-for="2025-03-17T09:00:00+05:00"' in page and "17.03.2025 09:00" in page
    assert "18.03.2025 18:30" in page


def test_the_signed_card_is_shown_with_its_signature_and_printable_in_both_languages(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    application_id, body = answered(
        client, api_login(), keys.adult, lambda app_id: h.card(app_id, "RPN-2025-000042", keys.employee)
    )
    assert body["status"] == "done"
    result = body["result"]
    assert result["kind"] == "card" and result["signature_valid"] is True, result
    assert (
        result["fields"]["card_number"] == "SK-2025-000001" and result["fields"]["diagnosis_code"] == "M17.1"
    )
    assert "БИН 100140000013" in result["signer"]
    xml = client.get(f"/api/applications/{application_id}/result.xml")
    assert xml.status_code == 200 and h3.parse_card(etree.fromstring(xml.content)).signed
    page = client.get(f"/applications/{application_id}?lang=ru").text
    assert "Санаторно-курортная карта по форме 069/у" in page and "SK-2025-000001" in page
    assert "ЭЦП подтверждена" in page and "круглогодично" in page
    assert 'data-file="analysis.pdf"' in page
    kk = client.get(f"/applications/{application_id}/print?lang=kk").text
    ru = client.get(f"/applications/{application_id}/print?lang=ru").text
    for printed in (kk, ru):
        assert "069/е нысаны бойынша санаторийлік-курорттық карта" in printed
        assert "Санаторно-курортная карта по форме 069/у" in printed
        assert "Климаттық аймақ" in printed and "Климатическая зона" in printed
        assert "ЭЦҚ расталды / ЭЦП подтверждена" in printed


def test_a_card_signed_by_another_organisation_is_not_believed(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    application_id, body = answered(
        client, api_login(), keys.adult, lambda app_id: h.card(app_id, "RPN-2025-000042", keys.stranger)
    )
    result = body["result"]
    assert result["signature_valid"] is False and result["signature_error"] == "SIGNER_NOT_AUTHORISED"
    page = client.get(f"/applications/{application_id}?lang=ru").text
    assert "ЭЦП не подтверждена" in page


def test_the_motivated_refusal_names_its_ground(client: TestClient, api_login: Login, keys: Any) -> None:
    application_id, body = answered(
        client,
        api_login(),
        keys.adult,
        lambda app_id: h.refusal(app_id, "RPN-2025-000043", keys.employee),
        consent="",
    )
    assert body["status"] == "refused" and body["refusal"]["code"] == "NO_CONSENT"
    assert body["refusal"]["step"] == "process 7" and body["result"]["signature_valid"] is True
    page = client.get(f"/applications/{application_id}?lang=kk").text
    assert 'data-ground="NO_CONSENT"' in page and 'data-consent="no"' in page
    printed = client.get(f"/applications/{application_id}/print?lang=ru").text
    assert "Мотивированный отказ" in printed and "Отсутствие согласия" in printed
