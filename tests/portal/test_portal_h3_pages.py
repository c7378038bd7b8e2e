"""The H3 pages (kk by default, ru): the form with files, consent and EDS/OTP, the OTP page, the cabinet."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from egov_kit.documents import h3
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from tests.portal import h3_support as h
from tests.portal.support import ADULT, ADULT_VKO, PASSWORD, PHONE

Login = Callable[..., str]


@pytest.fixture
def shep() -> h.H3Shep:
    return h.H3Shep(attached={ADULT: "ZHM-TRZ-01", ADULT_VKO: None})


def logged_in(client: TestClient, iin: str = ADULT) -> str:
    """Log in through the pages; returns the session's CSRF token (of the forms)."""
    client.post("/api/register", json={"iin": iin, "password": PASSWORD, "phone": PHONE})
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/login", data={"iin": iin, "password": PASSWORD, "csrf_token": token.group(1)})
    return csrf_of(client.get("/services/H3").text)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def post_form(
    client: TestClient, csrf: str, *, files: list[tuple[str, bytes, str]] | None = None, **fields: Any
) -> Any:
    chosen = [("analysis.pdf", h.PDF, "application/pdf")] if files is None else files
    return client.post(
        "/services/H3",
        data={**h.form_fields(**fields), "csrf_token": csrf},
        files=[("files", item) for item in chosen] or None,
        follow_redirects=False,
    )


def test_the_catalogue_offers_h3_online(client: TestClient) -> None:
    catalogue = client.get("/api/catalogue").json()["services"]
    assert next(s for s in catalogue if s["id"] == "H3")["available"] is True
    page = client.get("/services?lang=ru").text
    card = page[page.index('data-service="H3"') :]
    assert "Доступна онлайн" in card[: card.index("</article>")]


def test_the_form_page_in_kazakh_and_russian(client: TestClient, sms: h.FakeSms) -> None:
    logged_in(client)
    kk = client.get("/services/H3").text
    assert '<html lang="kk">' in kk
    assert 'enctype="multipart/form-data"' in kk and 'type="file"' in kk and "multiple" in kk
    assert 'name="consent"' in kk and "Дербес деректерге қол жеткізуге келісім" in kk
    assert 'value="eds"' in kk and 'value="otp"' in kk and "+7 701 *** ** 78" in kk
    assert 'data-organisation="ZHM-TRZ-01"' in kk and "Тараз қ. №1 қалалық емханасы" in kk
    assert "3 файлға дейін" in kk and "1 МБ" in kk
    ru = client.get("/services/H3?lang=ru").text
    assert "Код основного диагноза по МКБ-10" in ru and "Согласие услугополучателя на доступ" in ru
    assert "до 3 файлов, каждый до 1 МБ, всего до 2 МБ" in ru


def test_a_recipient_attached_nowhere_is_told_to_attach_first(client: TestClient, sms: h.FakeSms) -> None:
    logged_in(client, ADULT_VKO)
    page = client.get("/services/H3?lang=ru").text
    assert 'data-warning="NOT_ATTACHED"' in page and "услуга H1" in page


def test_eds_goes_to_the_signing_page_which_shows_what_is_signed(
    client: TestClient, sms: h.FakeSms, keys: Any, shep: h.H3Shep
) -> None:
    csrf = logged_in(client)
    response = post_form(client, csrf, consent="")
    assert response.status_code == 303, response.text
    sign_url = response.headers["location"]
    assert sign_url.endswith("/sign")
    page = client.get(sign_url + "?lang=ru").text
    assert 'data-details="H3"' in page and 'data-file="analysis.pdf"' in page
    assert 'data-consent="no"' in page and "NO_CONSENT" in page
    xml = re.search(r'<input type="hidden" name="xml" value="([^"]+)">', page)
    assert xml is not None
    element = etree.fromstring(html.unescape(xml.group(1)).encode())
    h3.sign_with(element, keys.adult)
    done = client.post(
        sign_url,
        data={"signed_xml": etree.tostring(element, encoding="unicode"), "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert shep.sent and shep.sent[0].service_id == "PHC_SanatoriumCard"
    cabinet = client.get("/cabinet?lang=ru").text
    assert "H3" in cabinet and "Отправлено услугодателю" in cabinet


def test_otp_page_sends_the_code_and_confirms_it(client: TestClient, sms: h.FakeSms, shep: h.H3Shep) -> None:
    csrf = logged_in(client)
    response = post_form(client, csrf, confirmation="otp")
    assert response.status_code == 303
    otp_url = response.headers["location"]
    assert otp_url.endswith("/otp")
    page = client.get(otp_url).text
    assert "Бір реттік құпиясөзбен растау" in page and "+7 701 *** ** 78" in page
    assert 'id="otp-form"' not in page, "no code field before a code was sent"
    sent = client.post(otp_url + "/send", data={"csrf_token": csrf_of(page)})
    assert sent.status_code == 200 and 'data-otp-sent="true"' in sent.text and 'id="otp-form"' in sent.text
    code = sms.last_code()
    wrong = client.post(
        otp_url + "?lang=ru", data={"code": "00000" if code != "00000" else "1", "csrf_token": csrf}
    )
    assert wrong.status_code == 422 and "Осталось попыток: 2" in wrong.text
    done = client.post(otp_url, data={"code": code, "csrf_token": csrf}, follow_redirects=False)
    application_id = otp_url.split("/")[2]
    assert done.status_code == 303 and done.headers["location"] == f"/applications/{application_id}"
    assert len(shep.sent) == 1
    page = client.get(done.headers["location"] + "?lang=ru").text
    assert 'data-confirmation="otp"' in page and "Подтверждено одноразовым паролем" in page
    assert client.get(otp_url, follow_redirects=False).status_code == 303, "no code page after sending"


def test_the_lock_shows_process_4(client: TestClient, sms: h.FakeSms) -> None:
    csrf = logged_in(client)
    otp_url = post_form(client, csrf, confirmation="otp").headers["location"]
    client.post(otp_url + "/send", data={"csrf_token": csrf})
    for _ in range(2):
        client.post(otp_url, data={"code": "xx", "csrf_token": csrf})
    locked = client.post(otp_url + "?lang=ru", data={"code": "xx", "csrf_token": csrf})
    assert locked.status_code == 422
    assert "condition 2 → process 4" in locked.text and "Запрос заблокирован" in locked.text


def test_a_refused_file_shows_the_named_error_and_keeps_the_fields(
    client: TestClient, sms: h.FakeSms, portal_app: FastAPI
) -> None:
    csrf = logged_in(client)
    response = client.post(
        "/services/H3?lang=ru",
        data={**h.form_fields(diagnosisText="Астма"), "csrf_token": csrf},
        files=[("files", ("virus.exe", b"MZ" * 50, "application/octet-stream"))],
    )
    assert response.status_code == 415
    assert 'data-error-code="ATTACHMENT_TYPE_NOT_ALLOWED"' in response.text and "virus.exe" in response.text
    assert ">Астма</textarea>" in response.text and 'value="M17.1"' in response.text
    assert h.stored_files(portal_app) == []


def test_the_form_needs_its_csrf_token(client: TestClient, sms: h.FakeSms) -> None:
    logged_in(client)
    response = post_form(client, "forged")
    assert response.status_code == 403 and "CSRF_REJECTED" in response.text
    assert client.get("/api/applications").json()["applications"] == []


def test_an_otp_draft_signed_on_the_signing_page_is_not_the_request_to_sign(
    client: TestClient, sms: h.FakeSms, keys: Any, shep: h.H3Shep
) -> None:
    csrf = logged_in(client)
    otp_url = post_form(client, csrf, confirmation="otp").headers["location"]
    application_id = otp_url.split("/")[2]
    cabinet = client.get("/cabinet").text
    assert f'href="/applications/{application_id}/otp"' in cabinet
    draft = client.get(f"/api/applications/{application_id}").json()
    xml = client.get(f"/applications/{application_id}/application.xml").text
    assert draft["details"]["confirmation"] == "otp"
    element = etree.fromstring(xml.encode())
    h3.sign_with(element, keys.adult)
    response = client.post(
        f"/applications/{application_id}/sign",
        data={"signed_xml": etree.tostring(element, encoding="unicode"), "csrf_token": csrf},
    )
    assert response.status_code == 422 and 'data-refusal-code="DOCUMENT_MISMATCH"' in response.text
    assert shep.sent == []
