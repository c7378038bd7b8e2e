"""H3 «санаторно-курортная карта» in a real browser (Chromium via Playwright) through the landscape.

The citizen opens H3 from the catalogue (Kazakh by default), fills in the diagnosis and the date of
the results, attaches a small PDF written by the test, gives the consent, chooses the EDS, signs
with the page's NCALayer button (or, without JavaScript, pastes the XML signed by the same local
signer), waits in the cabinet for ``done``, and opens the card 069/у and its printable view in
Kazakh and in Russian.

The person is this module's own (added to ГБД ФЛ through its admin API and attached to polyclinic
№1 of Тараз through the portal's H1 API; the key is put into the local signer's folder); nobody else
registers them at the portal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_cli.replay.driver import KeyIssuer
from egov_cli.replay.h3_portal_actions import tiny_pdf
from egov_kit.clock import now
from playwright.async_api import Page, expect

from tests.browser.portal_ui import CHROMIUM, Citizen, Portal
from tests.integration.h2_citizens import PASSWORD, attached_citizen, install_key
from tests.integration.h2_citizens import Citizen as ApiCitizen

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (Debian's chromium package)"),
]

NewPage = Callable[[], Awaitable[Page]]
# Born 1969-05-04 (a woman): this module's own person.
PERSON = ("690504", "4", "Сәрсенбаева", "Гүлмира")
RESULT_TIMEOUT_S = 45


@pytest.fixture(scope="module")
async def person(landscape: Landscape) -> AsyncIterator[ApiCitizen]:
    keys = KeyIssuer(httpx.Client(timeout=30), landscape.url("nuc-mock"))
    citizen = await attached_citizen(
        PERSON, portal_url=landscape.url("egov-portal"), gbd_url=landscape.url("gbd-fl-mock"), keys=keys
    )
    install_key(citizen, landscape.var_dir / "signer" / "keys")
    yield citizen
    await citizen.http.aclose()
    keys.client.close()


async def test_h3_card_with_an_attached_pdf_signed_and_printed_in_both_languages(
    portal: Portal, new_page: NewPage, person: ApiCitizen, tmp_path: Path
) -> None:
    analysis = tmp_path / "анализ-крови.pdf"
    analysis.write_bytes(tiny_pdf("blood test"))
    page = await new_page()
    user = Citizen("h3", person.person.iin, f"{person.person.surname} {person.person.name}")
    await portal.login(page, user, PASSWORD)
    await expect(page.locator("html")).to_have_attribute("lang", "kk")

    # process 3: the form, from the catalogue
    await page.locator("header nav").get_by_role("link", name="Қызметтер").click()
    await page.locator('a[href="/services/H3"]').first.click()
    await expect(page).to_have_url(portal.url("/services/H3"))
    await expect(page.locator("[data-organisation]")).to_have_attribute("data-organisation", "ZHM-TRZ-01")
    await page.locator("#diagnosisCode").fill("M17.1")
    await page.locator("#diagnosisText").fill("Біріншілік екі жақты гонартроз")
    await page.locator("#examinedOn").fill((now().date() - timedelta(days=2)).isoformat())
    await page.locator("#files").set_input_files(str(analysis))
    await page.locator('input[name="consent"]').check()
    await page.locator('input[name="confirmation"][value="eds"]').check()
    await portal.screenshot(page, "h3-form-kk.png")
    await page.locator('#h3-form button[type="submit"]').click()

    # condition 2 / process 5: the signing page shows what is signed, then the signature
    await expect(page.locator("#sign-form")).to_be_attached()
    application_id = page.url.rsplit("/", 2)[-2]
    await expect(page.locator('[data-file="анализ-крови.pdf"]')).to_be_visible()
    await expect(page.locator('[data-consent="yes"]')).to_be_visible()
    if await portal.page_may_reach_signer(page):
        await portal.sign_with_button(page, application_id)
    else:
        await portal.sign_elsewhere_and_paste(page, application_id)

    # processes 6–8 at РПН: the card in the cabinet
    await portal.wait_in_cabinet(page, application_id, "done", timeout=RESULT_TIMEOUT_S)
    row = page.locator(f'tr[data-application="{application_id}"]')
    await expect(row.locator(".status")).to_have_text("Қызмет көрсетілді")
    await row.locator(f'a[href="/applications/{application_id}"]').click()
    await expect(page).to_have_url(portal.url(f"/applications/{application_id}"))
    result = page.locator("main section.card", has=page.locator("h3", has_text="069/е"))
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦҚ расталды")
    await expect(result.locator('[data-field="diagnosis"]')).to_contain_text("M17.1")
    await expect(result.locator('[data-field="card_number"]')).to_contain_text("SK-")
    await expect(page.locator('[data-details="H3"]')).to_contain_text("анализ-крови.pdf")
    await expect(page.locator("[data-registered-for]")).to_be_visible()
    await portal.screenshot(page, "h3-card-kk.png")

    await portal.switch_language(page, "ru")
    result = page.locator("main section.card", has=page.locator("h3", has_text="069/у"))
    await expect(result.locator("h3")).to_have_text("Санаторно-курортная карта по форме 069/у")
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦП подтверждена")
    await expect(result).to_contain_text("Рекомендуемый профиль лечения")

    # the printable card: both languages whatever the page's language
    await result.get_by_role("link", name="Версия для печати").click()
    await expect(page).to_have_url(portal.url(f"/applications/{application_id}/print"))
    document = page.locator("article.document")
    for lang in ("ru", "kk"):
        if lang == "kk":
            await portal.switch_language(page, "kk")
        await expect(document.locator("h1")).to_contain_text(
            "069/е нысаны бойынша санаторийлік-курорттық карта"
        )
        await expect(document.locator("h1")).to_contain_text("Санаторно-курортная карта по форме 069/у")
        await expect(document).to_contain_text(person.person.iin)
        await expect(document).to_contain_text("M17.1")
        await expect(document).to_contain_text("ЭЦҚ расталды / ЭЦП подтверждена")
    await portal.screenshot(page, "h3-card-print.png")
