"""The pages: Kazakh by default, Russian on request (remembered), CSRF on every form, the H1 flow."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.portal.support import ADULT, PASSWORD, PHONE, context, sign, status_update, talon

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


def html_login(client: TestClient, iin: str = ADULT) -> None:
    page = client.get("/register")
    client.post(
        "/register",
        data={"csrf_token": csrf_of(page.text), "iin": iin, "password": PASSWORD, "phone": PHONE},
        follow_redirects=False,
    )
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "iin": iin, "password": PASSWORD, "next": "/cabinet"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/cabinet"


def applications(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/applications").json()["applications"]
    return found


# --- language -------------------------------------------------------------------------------------------
def test_kazakh_by_default_and_russian_remembered(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert '<html lang="kk">' in home.text
    assert "Мемлекеттік қызметтер онлайн" in home.text
    russian = client.get("/?lang=ru")
    assert '<html lang="ru">' in russian.text
    assert "Государственные услуги онлайн" in russian.text
    assert "lang=ru" in russian.headers["set-cookie"]
    again = client.get("/services")  # no parameter: the cookie decides
    assert '<html lang="ru">' in again.text
    assert "Каталог государственных услуг" in again.text
    back = client.get("/login?lang=kk")
    assert "Порталға кіру" in back.text
    assert '<html lang="kk">' in client.get("/").text


def test_language_links_on_every_page(client: TestClient) -> None:
    page = client.get("/services")
    assert 'href="/services?lang=kk"' in page.text and 'href="/services?lang=ru"' in page.text


def test_pages_allow_only_their_own_scripts_and_ncalayer(client: TestClient) -> None:
    policy = client.get("/login").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self' ws://127.0.0.1:13579 wss://127.0.0.1:13579" in policy
    assert "frame-ancestors 'none'" in policy


def test_unknown_language_falls_back_to_kazakh(client: TestClient) -> None:
    assert '<html lang="kk">' in client.get("/?lang=en").text


# --- registration and login through the forms -----------------------------------------------------------
def test_register_and_login_through_the_forms(client: TestClient) -> None:
    page = client.get("/register")
    anonymous = client.cookies.get("egov_session")
    assert anonymous
    response = client.post(
        "/register",
        data={"csrf_token": csrf_of(page.text), "iin": ADULT, "password": PASSWORD, "phone": PHONE},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?registered=1"
    page = client.get("/login?registered=1")
    assert "Тіркелу аяқталды" in page.text
    response = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "iin": ADULT, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.cookies.get("egov_session") != anonymous  # a new session id after login
    cabinet = client.get("/cabinet")
    assert cabinet.status_code == 200
    assert "Ахметов Ерлан Серікович" in cabinet.text


def test_registration_form_shows_the_refusal_in_the_users_language(client: TestClient) -> None:
    page = client.get("/register?lang=ru")
    response = client.post(
        "/register",
        data={"csrf_token": csrf_of(page.text), "iin": "900101390508", "password": PASSWORD, "phone": PHONE},
    )
    assert response.status_code == 422
    assert "отсутствуют" in response.text and 'data-error-code="PERSON_NOT_FOUND"' in response.text


def test_login_form_shows_process_2(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": csrf_of(page.text), "iin": ADULT, "password": "x" * 8}
    )
    assert response.status_code == 401
    assert "2-процесс" in response.text
    assert 'data-error-code="UNKNOWN_IIN"' in response.text


def test_forms_without_csrf_are_rejected_and_change_nothing(client: TestClient) -> None:
    client.get("/register")
    response = client.post("/register", data={"iin": ADULT, "password": PASSWORD, "phone": PHONE})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert (
        client.post("/api/login", json={"iin": ADULT, "password": PASSWORD}).json()["error"] == "UNKNOWN_IIN"
    )
    html_login(client)
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/cabinet", follow_redirects=False).status_code == 200  # still logged in


def test_logout_form(client: TestClient) -> None:
    html_login(client)
    page = client.get("/cabinet")
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/cabinet", follow_redirects=False).headers["location"].startswith("/login")


# --- catalogue and the H1 form ---------------------------------------------------------------------------
def test_catalogue_comes_from_the_regulations(client: TestClient) -> None:
    page = client.get("/services")
    assert "Медициналық-санитариялық алғашқы көмек көрсететін медициналық ұйымға тіркеу" in page.text
    entries = client.get("/api/catalogue").json()["services"]
    h1 = next(entry for entry in entries if entry["id"] == "H1")
    assert h1["available"] is True
    assert h1["name_ru"].startswith("Прикрепление к медицинской организации")
    assert [doc["code"] for doc in h1["required_documents"]] == ["E_REQUEST"]


def test_h1_page_asks_to_log_in(client: TestClient) -> None:
    page = client.get("/services/H1")
    assert page.status_code == 200
    assert "/login?next=/services/H1" in page.text


def test_h1_form_lists_the_regions_organisations(client: TestClient) -> None:
    html_login(client)
    page = client.get("/services/H1")
    assert 'value="ZHM-TRZ-01"' in page.text and 'value="ZHM-TRZ-02"' in page.text
    assert "VKO-UKG-01" not in page.text


def test_h1_form_without_csrf_stores_nothing(client: TestClient) -> None:
    html_login(client)
    response = client.post("/services/H1", data={"organisationCode": "ZHM-TRZ-01", "reason": "x"})
    assert response.status_code == 403
    assert applications(client) == []


def test_oversized_h1_form_is_shown_again_with_a_message(client: TestClient) -> None:
    html_login(client)
    page = client.get("/services/H1?lang=ru")
    data = {"csrf_token": csrf_of(page.text), "organisationCode": "ZHM-TRZ-01", "reason": "я" * 40_000}
    response = client.post("/services/H1", data=data)
    assert response.status_code == 413
    assert "Форма слишком большая" in response.text
    assert 'name="organisationCode"' in response.text  # the form again
    assert applications(client) == []


def test_invalid_h1_form_is_shown_again_with_a_message(client: TestClient) -> None:
    html_login(client)
    page = client.get("/services/H1")
    token = csrf_of(page.text)
    too_long = client.post(
        "/services/H1", data={"csrf_token": token, "organisationCode": "ZHM-TRZ-01", "reason": "а" * 501}
    )
    assert too_long.status_code == 422
    assert "500 таңбадан аспауы керек" in too_long.text
    foreign = client.post(
        "/services/H1", data={"csrf_token": token, "organisationCode": "VKO-UKG-01", "reason": "x"}
    )
    assert foreign.status_code == 422
    assert 'data-error-code="ORGANISATION_NOT_IN_REGION"' in foreign.text
    missing = client.post("/services/H1", data={"csrf_token": token, "reason": "x"})
    assert 'data-error-code="ORGANISATION_REQUIRED"' in missing.text
    assert applications(client) == []


def h1_draft(client: TestClient) -> tuple[str, str]:
    page = client.get("/services/H1")
    response = client.post(
        "/services/H1",
        data={"csrf_token": csrf_of(page.text), "organisationCode": "ZHM-TRZ-01", "reason": "Переезд"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    sign_url = response.headers["location"]
    application_id = sign_url.split("/")[2]
    return application_id, sign_url


def test_signing_page_uses_ncalayer_and_explains_without_javascript(client: TestClient) -> None:
    html_login(client)
    _application_id, sign_url = h1_draft(client)
    page = client.get(sign_url)
    assert page.status_code == 200
    assert '<script src="/static/ncalayer.js"></script>' in page.text
    assert 'name="xml" value="&lt;application' in page.text
    assert 'name="signed_xml"' in page.text
    assert "<noscript>" in page.text
    assert "NCALayer" in page.text and "egov signer" in page.text
    assert "Для подписи нужны JavaScript и NCALayer" in page.text  # the other language too
    script = client.get("/static/ncalayer.js")
    assert script.status_code == 200 and "signForm" in script.text
    assert client.get("/assets/sign.js").status_code == 200


def test_signed_form_is_sent_and_shown_in_the_cabinet(client: TestClient, keys: Any, shep: Any) -> None:
    html_login(client)
    application_id, sign_url = h1_draft(client)
    page = client.get(sign_url)
    xml = client.get(f"/api/applications/{application_id}").json()
    unsigned = client.get(f"/applications/{application_id}/application.xml").text
    assert xml["status"] == "draft"
    response = client.post(
        sign_url,
        data={"csrf_token": csrf_of(page.text), "signed_xml": sign(unsigned, keys.adult)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/applications/{application_id}"
    assert len(shep.sent) == 1
    detail = client.get(f"/applications/{application_id}?lang=ru")
    assert 'data-status="sent"' in detail.text
    assert "Отправлено услугодателю" in detail.text

    applications_service = client.app.state.portal.applications  # type: ignore[attr-defined]
    message_id = shep.sent[0].message_id
    assert client.portal is not None
    client.portal.call(
        applications_service.on_attachment_message,
        status_update(application_id, "RPN-2025-000100"),
        context("UPDATE", message_id),
    )
    client.portal.call(
        applications_service.on_attachment_message,
        talon(application_id, "RPN-2025-000100", keys.employee),
        context("RESPONSE", message_id),
    )
    detail = client.get(f"/applications/{application_id}?lang=kk")
    assert 'data-status="done"' in detail.text
    assert "ЭЦҚ расталды" in detail.text
    assert "RPN-2025-000100" in detail.text and "T-2025-000001" in detail.text
    assert "Жалпы практика дәрігері" in detail.text
    cabinet = client.get("/cabinet")
    assert application_id in cabinet.text and "Қызмет көрсетілді" in cabinet.text
    printable = client.get(f"/applications/{application_id}/print")
    assert printable.status_code == 200
    for text in ("Уведомление (талон) о прикреплении", "бекіту туралы хабарлама", "Врач общей практики"):
        assert text in printable.text
    download = client.get(f"/applications/{application_id}/result.xml")
    assert download.status_code == 200 and b"<ds:Signature" in download.content


def test_expired_certificate_shows_process_4(client: TestClient, keys: Any, shep: Any) -> None:
    html_login(client)
    application_id, sign_url = h1_draft(client)
    page = client.get(sign_url + "?lang=ru")
    unsigned = client.get(f"/applications/{application_id}/application.xml").text
    response = client.post(
        sign_url, data={"csrf_token": csrf_of(page.text), "signed_xml": sign(unsigned, keys.expired)}
    )
    assert response.status_code == 422
    assert "Отказ в оказании услуги (процесс 4)" in response.text
    assert "истёк" in response.text
    assert 'data-refusal-code="CERT_EXPIRED"' in response.text
    assert shep.sent == []
    assert applications(client)[0]["status"] == "refused"


def test_signing_post_without_csrf_changes_nothing(client: TestClient, keys: Any, shep: Any) -> None:
    html_login(client)
    application_id, sign_url = h1_draft(client)
    unsigned = client.get(f"/applications/{application_id}/application.xml").text
    response = client.post(sign_url, data={"signed_xml": sign(unsigned, keys.adult)})
    assert response.status_code == 403
    assert shep.sent == []
    assert applications(client)[0]["status"] == "draft"


def test_pasted_garbage_is_shown_on_the_signing_page(client: TestClient) -> None:
    html_login(client)
    _application_id, sign_url = h1_draft(client)
    page = client.get(sign_url)
    response = client.post(sign_url, data={"csrf_token": csrf_of(page.text), "signed_xml": "<not-closed"})
    assert response.status_code == 400
    assert 'data-error-code="SIGNED_DOCUMENT_UNREADABLE"' in response.text
    assert applications(client)[0]["status"] == "draft"


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/cabinet", "/applications/00000000-0000-0000-0000-000000000000"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_unknown_page_is_a_bilingual_404(client: TestClient) -> None:
    response = client.get("/nowhere?lang=ru")
    assert response.status_code == 404
    assert "Страница не найдена" in response.text
