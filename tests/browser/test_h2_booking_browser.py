"""H2 «Запись на прием к врачу» in a real browser (Chromium via Playwright) through the running landscape.

The citizen logs in, opens H2 from the catalogue, picks a doctor of the polyclinic they are attached
to and one of the doctor's free times (grouped by day), signs with the page's NCALayer button (or,
without JavaScript, pastes XML signed by the same local signer), and sees ``done`` with the date and
time in the cabinet, in Kazakh and in Russian; the second test also cancels the appointment.

The persons are this module's own (added to ГБД ФЛ through its admin API and attached to polyclinic
№1 of Тараз through the portal's H1 API; their keys are put into the local signer's folder); nobody
else registers them at the portal. Each test books with a doctor of its own (№2, №3 of the polyclinic).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_cli.replay.driver import KeyIssuer
from egov_kit.clock import KZ_TZ
from playwright.async_api import Page, expect

from tests.browser.portal_ui import CHROMIUM, NCALAYER_PORT, Citizen, Portal
from tests.integration.h2_citizens import PASSWORD, attached_citizen, install_key
from tests.integration.h2_citizens import Citizen as ApiCitizen

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (Debian's chromium package)"),
]

NewPage = Callable[[], Awaitable[Page]]
Sign = Callable[[Page, str], Awaitable[None]]

# Born 1975-03-22 (a man) and 1992-08-17 (a woman): this module's own persons.
PERSONS = {"button": ("750322", "3", "Жақсыбеков", "Нұрлан"), "paste": ("920817", "4", "Ли", "Анна")}
RESULT_TIMEOUT_S = 45


@pytest.fixture(scope="module")
async def people(landscape: Landscape) -> AsyncIterator[dict[str, ApiCitizen]]:
    keys = KeyIssuer(httpx.Client(timeout=30), landscape.url("nuc-mock"))
    found: dict[str, ApiCitizen] = {}
    for name, spec in PERSONS.items():
        citizen = await attached_citizen(
            spec, portal_url=landscape.url("egov-portal"), gbd_url=landscape.url("gbd-fl-mock"), keys=keys
        )
        install_key(citizen, landscape.var_dir / "signer" / "keys")
        found[name] = citizen
    yield found
    for citizen in found.values():
        await citizen.http.aclose()
    keys.client.close()


def ui(citizen: ApiCitizen) -> Citizen:
    person = citizen.person
    return Citizen("h2", person.iin, f"{person.surname} {person.name}")


def local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(KZ_TZ).strftime("%d.%m.%Y %H:%M")


async def book(portal: Portal, page: Page, doctor_id: str, sign: Sign) -> tuple[str, str]:
    """From the catalogue: the doctor, the first free time, continue, sign → (applicationId, slot)."""
    await (
        page.locator("header nav")
        .get_by_role("link", name="Қызметтер")
        .or_(page.locator("header nav").get_by_role("link", name="Услуги"))
        .click()
    )
    await page.locator('a[href="/services/H2"]').first.click()
    await expect(page).to_have_url(portal.url("/services/H2"))
    await expect(page.locator("[data-organisation]")).to_have_attribute("data-organisation", "ZHM-TRZ-01")
    await page.locator(f'tr[data-doctor="{doctor_id}"] a.choose-doctor').click()
    await expect(page.locator("[data-chosen-doctor]")).to_have_attribute("data-chosen-doctor", doctor_id)
    day = page.locator("fieldset.slots").first
    await expect(day.locator("legend")).to_be_visible()
    radio = day.locator('input[name="slotStart"]').first
    slot = await radio.get_attribute("value")
    assert slot is not None
    await radio.check()
    await portal.screenshot(page, f"h2-slots-{await page.locator('html').get_attribute('lang')}.png")
    await page.locator('form#slots button[type="submit"]').click()
    await expect(page.locator("#sign-form")).to_be_attached()
    application_id = page.url.rsplit("/", 2)[-2]
    await expect(page.locator(f'[data-doctor="{doctor_id}"]')).to_be_visible()  # what is being signed
    await sign(page, application_id)
    return application_id, slot


async def open_from_cabinet(portal: Portal, page: Page, application_id: str) -> None:
    await page.locator(
        f'tr[data-application="{application_id}"] a[href="/applications/{application_id}"]'
    ).click()
    await expect(page).to_have_url(portal.url(f"/applications/{application_id}"))


async def wait_for_status(portal: Portal, page: Page, application_id: str, status: str) -> None:
    """Reload the application's page until it shows ``status`` (РПН answers through ШЭП)."""
    marker = page.locator(f'[data-status="{status}"]')
    for _ in range(RESULT_TIMEOUT_S * 2):
        await page.goto(portal.url(f"/applications/{application_id}"))
        if await marker.count():
            return
        await page.wait_for_timeout(500)
    shown = await page.locator("[data-status]").get_attribute("data-status")
    raise AssertionError(f"application {application_id}: {shown}, expected {status}")


async def test_h2_booked_with_the_pages_button_in_kazakh_then_russian(
    portal: Portal, new_page: NewPage, people: dict[str, ApiCitizen]
) -> None:
    page = await new_page()
    if not await portal.page_may_reach_signer(page):
        pytest.skip(
            f"the portal's pages cannot reach this landscape's signer (NCALayer port {NCALAYER_PORT})"
        )
    person = ui(people["button"])
    await portal.login(page, person, PASSWORD)
    await expect(page.locator("html")).to_have_attribute("lang", "kk")
    doctor_id = "ZHM-TRZ-01-D2"
    application_id, slot = await book(portal, page, doctor_id, portal.sign_with_button)

    await portal.wait_in_cabinet(page, application_id, "done", timeout=RESULT_TIMEOUT_S)
    row = page.locator(f'tr[data-application="{application_id}"]')
    await expect(row.locator(".status")).to_have_text("Қызмет көрсетілді")
    await expect(row).to_contain_text(local(slot))
    await expect(row.locator("[data-appointment]")).to_contain_text("Ким Елена Сергеевна")
    await portal.screenshot(page, "cabinet-h2-appointment-kk.png")

    await open_from_cabinet(portal, page, application_id)
    result = page.locator(
        "main section.card", has=page.locator("h3", has_text="Дәрігердің қабылдауына жазылу")
    )
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦҚ расталды")
    await expect(result.locator("[data-result-cabinet]")).to_have_attribute("data-result-cabinet", "102")
    await expect(result).to_contain_text(local(slot))
    await expect(result).to_contain_text("Қабылдау күні мен уақыты")

    await portal.switch_language(page, "ru")
    result = page.locator("main section.card", has=page.locator("h3", has_text="Запись на приём к врачу"))
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦП подтверждена")
    await expect(result).to_contain_text("Дата и время приёма")
    await expect(result).to_contain_text(local(slot))
    await page.goto(portal.url("/cabinet"))
    await expect(row.locator(".status")).to_have_text("Услуга оказана")
    await expect(row).to_contain_text(local(slot))
    await portal.screenshot(page, "cabinet-h2-appointment-ru.png")


async def test_h2_signed_elsewhere_in_russian_then_cancelled(
    portal: Portal, new_page: NewPage, people: dict[str, ApiCitizen]
) -> None:
    page = await new_page()
    person = ui(people["paste"])
    await page.goto(portal.url("/login?lang=ru"))
    await portal.login(page, person, PASSWORD)
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    application_id, slot = await book(portal, page, "ZHM-TRZ-01-D3", portal.sign_elsewhere_and_paste)

    await portal.wait_in_cabinet(page, application_id, "done", timeout=RESULT_TIMEOUT_S)
    row = page.locator(f'tr[data-application="{application_id}"]')
    await expect(row.locator(".status")).to_have_text("Услуга оказана")
    await expect(row).to_contain_text(local(slot))
    await expect(row.locator("[data-appointment]")).to_contain_text("Жаксылыков Ерболат Маратович")

    # the printable appointment carries both languages
    await open_from_cabinet(portal, page, application_id)
    await page.get_by_role("link", name="Версия для печати").click()
    document = page.locator("article.document")
    await expect(document).to_contain_text("Запись на приём к врачу")
    await expect(document).to_contain_text("Дәрігердің қабылдауына жазылу")
    await expect(document).to_contain_text(local(slot))

    # the cancellation: the document signed by the same signer, pasted back
    await page.goto(portal.url(f"/applications/{application_id}"))
    await page.locator("#cancel-appointment").click()
    await expect(page.locator("h1")).to_have_text("Отмена записи на приём к врачу")
    await portal.sign_elsewhere_and_paste(page, application_id)
    await wait_for_status(portal, page, application_id, "cancelled")
    await expect(page.locator("[data-status]")).to_have_text("Запись отменена")
    await expect(page.locator('[data-cancellation="cancelled"]')).to_be_visible()
    await portal.screenshot(page, "application-h2-cancelled-ru.png")
