"""The citizen's side of H1 in a real browser (Chromium via Playwright) through the running landscape.

Registration, authorisation (process 1, and its refusal, process 2), the catalogue, the H1 form
(process 3), signing with the citizen's EDS (condition 2, process 5), the cabinet until РПН's result
(processes 6-8: the talon, or the motivated refusal ALREADY_ATTACHED of process 7), the printable
result, and the page language (Kazakh by default, Russian, remembered in the ``lang`` cookie).

Each test owns its test person (nobody else in the suite registers them at the portal):
``principal`` and ``representative`` of Уральск get talons of polyclinic №2 of Уральск (they are
attached nowhere in РПН's seed); ``disabled`` (registered at the portal by nobody else; the
replay uses that person at the workstation only) is refused a login with a wrong password.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from egov_kit.regulations import load_regulation
from playwright.async_api import Page, expect

from tests.browser.portal_ui import (
    CHROMIUM,
    NCALAYER_PORT,
    PASSWORD,
    Citizen,
    Portal,
    citizen,
    medical_organisation,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (Debian's chromium package)"),
]

URALSK_POLYCLINIC = "ZKO-URL-02"  # serves ул. Курмангазы of Уральск, where both Нурпеисовs live
RESULT_TIMEOUT_S = 45

SIGNER_NOT_REACHABLE = (
    "the portal's signing page can only reach NCALayer at ws://127.0.0.1:{ncalayer} (ncalayer.js "
    "DEFAULT_URL; sign.js calls NCALayer.signForm without a URL; the pages' CSP connect-src lists only "
    "127.0.0.1:{ncalayer}), but this landscape's signer listens on 127.0.0.1:{port} (TEST_PORT_OFFSET): "
    "the portal needs a signer URL setting rendered into the signing page and its CSP, set by the "
    "landscape (see tests/browser/README.md)"
)

Sign = Callable[[Page, str], Awaitable[None]]
NewPage = Callable[[], Awaitable[Page]]


async def expect_kazakh_login_page(page: Page) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "kk")
    await expect(page.locator("h1")).to_have_text("Порталға кіру")
    await expect(page.locator('label[for="iin"]')).to_have_text("ЖСН")
    await expect(page.locator('label[for="password"]')).to_have_text("Құпиясөз")
    await expect(page.locator('form[action="/login"] button[type="submit"]')).to_have_text("Кіру")


async def apply_for_h1(
    portal: Portal, page: Page, person: Citizen, code: str, reason: str, sign: Sign
) -> str:
    """From the catalogue to the signed application sent to РПН; returns the application's id."""
    await portal.open_h1_from_catalogue(page)
    chosen = medical_organisation(code)
    offered = await portal.offered_organisations(page)
    assert code in offered, offered
    # The form offers only organisations of the recipient's region (from the ГБД ФЛ address).
    assert {medical_organisation(value).region for value in offered} == {chosen.region}, offered
    await expect(page.locator("main")).to_contain_text(person.full_name)
    application_id = await portal.draft_h1(page, code, reason)
    await sign(page, application_id)
    return application_id


async def get_talon(portal: Portal, page: Page, person: Citizen, sign: Sign) -> str:
    """Register, log in (Kazakh UI), apply for H1 at the Уральск polyclinic, sign, wait for the talon."""
    chosen = medical_organisation(URALSK_POLYCLINIC)
    await page.goto(portal.url("/"))
    await expect(page.locator("html")).to_have_attribute("lang", "kk")
    await portal.register(page, person)
    await expect_kazakh_login_page(page)
    await portal.login(page, person)
    await expect(page.locator("h1")).to_have_text("Жеке кабинет")

    application_id = await apply_for_h1(
        portal, page, person, URALSK_POLYCLINIC, "Тұрғылықты жерін ауыстыру / Смена места жительства", sign
    )
    # Condition 2 passed: the application went to РПН (its page, in Kazakh, has no result yet or has it).
    await expect(page.locator("[data-status]")).to_be_visible()

    await portal.wait_in_cabinet(page, application_id, "done", timeout=RESULT_TIMEOUT_S)
    row = page.locator(f'tr[data-application="{application_id}"]')
    await expect(row.locator(".status")).to_have_text("Қызмет көрсетілді")
    await expect(row).to_contain_text(chosen.name_kk)
    await portal.screenshot(page, f"cabinet-talon-{person.archetype}.png")

    # The talon in the page's language: Kazakh, then Russian after switching.
    await portal.open_from_cabinet(page, application_id)
    result = page.locator("main section.card", has=page.locator("h3"))
    await expect(result.locator("h3")).to_have_text("Медициналық ұйымға бекіту туралы хабарлама (талон)")
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦҚ расталды")
    await expect(result).to_contain_text(person.full_name)
    await expect(result).to_contain_text(person.iin)
    await expect(result).to_contain_text(chosen.name_kk)
    await expect(result).to_contain_text(chosen.bin)
    await portal.screenshot(page, f"application-talon-{person.archetype}-kk.png")

    await portal.switch_language(page, "ru")
    await expect(result.locator("h3")).to_have_text("Уведомление (талон) о прикреплении")
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦП подтверждена")
    await expect(result).to_contain_text("Номер талона")
    await expect(result).to_contain_text(person.full_name)
    await expect(result).to_contain_text(chosen.name_ru)

    # The printable talon carries both languages, whatever the page's language is.
    await result.get_by_role("link", name="Версия для печати").click()
    await expect(page).to_have_url(portal.url(f"/applications/{application_id}/print"))
    document = page.locator("article.document")
    for lang, back in (("ru", "Назад"), ("kk", "Артқа")):
        if lang == "kk":
            await portal.switch_language(page, "kk")
        await expect(page.locator("p.no-print a")).to_have_text(back)
        await expect(document.locator("h1")).to_contain_text("Медициналық ұйымға бекіту туралы хабарлама")
        await expect(document.locator("h1")).to_contain_text("Уведомление (талон) о прикреплении")
        await expect(document).to_contain_text(person.full_name)
        await expect(document).to_contain_text(person.iin)
        await expect(document).to_contain_text(chosen.name_kk)
        await expect(document).to_contain_text(chosen.name_ru)
        await expect(document).to_contain_text("ЭЦҚ расталды / ЭЦП подтверждена")
    await portal.screenshot(page, f"print-talon-{person.archetype}.png")
    return application_id


async def test_h1_signed_with_the_pages_button_gives_the_talon(portal: Portal, new_page: NewPage) -> None:
    """The main path as a citizen does it: the page's «NCALayer арқылы қол қою» and the local signer."""
    page = await new_page()
    if not await portal.page_may_reach_signer(page):
        pytest.skip(SIGNER_NOT_REACHABLE.format(ncalayer=NCALAYER_PORT, port=portal.signer_port))
    await get_talon(portal, page, citizen("principal"), portal.sign_with_button)


async def test_h1_signed_elsewhere_gives_the_talon_and_a_second_application_is_refused(
    portal: Portal, new_page: NewPage
) -> None:
    """The page's «without JavaScript» path (XML signed by the same signer, pasted), then process 7."""
    page = await new_page()
    person = citizen("representative")
    chosen = medical_organisation(URALSK_POLYCLINIC)
    await get_talon(portal, page, person, portal.sign_elsewhere_and_paste)

    # Attached now: a second application to the same organisation ends in a motivated refusal.
    second = await apply_for_h1(
        portal,
        page,
        person,
        URALSK_POLYCLINIC,
        "Қайталама өтініш / Повторное заявление",
        portal.sign_elsewhere_and_paste,
    )
    await portal.wait_in_cabinet(page, second, "refused", timeout=RESULT_TIMEOUT_S)
    await expect(page.locator(f'tr[data-application="{second}"] .status')).to_have_text("Бас тартылды")
    await portal.screenshot(page, f"cabinet-refusal-{person.archetype}.png")

    ground = load_regulation("H1").refusal_ground("ALREADY_ATTACHED")
    await portal.open_from_cabinet(page, second)
    result = page.locator("main section.card", has=page.locator("h3"))
    await expect(result.locator("h3")).to_have_text("Дәлелді бас тарту")
    await expect(result.locator(".alert.ok")).to_have_text("ЭЦҚ расталды")  # the refusal is signed
    await expect(result.locator('dd[data-ground="ALREADY_ATTACHED"]')).to_have_text(ground.kk)
    await expect(result).to_contain_text(chosen.name_kk)
    await expect(result).to_contain_text("бекітілген")  # the details: attached since …

    await portal.switch_language(page, "ru")
    await expect(result.locator("h3")).to_have_text("Мотивированный отказ")
    await expect(result.locator('dd[data-ground="ALREADY_ATTACHED"]')).to_have_text(ground.ru)
    await expect(result).to_contain_text(chosen.name_ru)
    await expect(result).to_contain_text("прикреплён")
    await expect(page.locator("[data-status]")).to_have_text("Отказано")
    await portal.screenshot(page, f"application-refusal-{person.archetype}-ru.png")


async def test_a_wrong_password_is_refused_in_the_pages_language(portal: Portal, new_page: NewPage) -> None:
    """Condition 1 → process 2: the refusal with the attempts left, in Kazakh, then in Russian."""
    page = await new_page()
    person = citizen("disabled")
    await portal.register(page, person)
    await expect_kazakh_login_page(page)

    refusal = page.locator('.alert.error[data-error-code="WRONG_PASSWORD"]')
    await portal.submit_login(page, person.iin, "not-" + PASSWORD)
    await expect(refusal).to_contain_text("Авторизациядан бас тартылды (2-процесс)")
    await expect(refusal).to_contain_text("Құпиясөз қате. Бұғатталғанға дейін қалған әрекет саны: 4")
    await expect(page.locator("header .who")).to_have_count(0)  # nobody is logged in

    await portal.switch_language(page, "ru")
    await expect(page.locator('label[for="iin"]')).to_have_text("ИИН")
    await portal.submit_login(page, person.iin, "not-" + PASSWORD)
    await expect(refusal).to_contain_text("Отказ в авторизации (процесс 2)")
    await expect(refusal).to_contain_text("Неверный пароль. Осталось попыток до блокировки: 3")

    await portal.submit_login(page, person.iin, PASSWORD)
    await expect(page).to_have_url(portal.url("/cabinet"))
    await expect(page.locator("h1")).to_have_text("Личный кабинет")
    await expect(page.locator("header .who")).to_have_text(person.full_name)


async def test_the_chosen_language_is_remembered_across_pages(portal: Portal, new_page: NewPage) -> None:
    page = await new_page()
    nav = page.locator("header nav")
    await page.goto(portal.url("/"))
    await expect(page.locator("html")).to_have_attribute("lang", "kk")  # Kazakh by default
    await expect(nav.get_by_role("link", name="Кіру")).to_be_visible()
    assert not [cookie for cookie in await page.context.cookies() if cookie["name"] == "lang"]

    await portal.switch_language(page, "ru")
    assert await lang_cookie(page) == "ru"
    await nav.get_by_role("link", name="Услуги").click()
    await expect(page).to_have_url(portal.url("/services"))  # no ?lang= any more: the cookie says ru
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(page.locator("h1")).to_have_text("Каталог государственных услуг")
    await nav.get_by_role("link", name="Вход").click()
    await expect(page.locator("h1")).to_have_text("Вход на портал")
    await page.goto(portal.url("/register"))
    await expect(page.locator("h1")).to_have_text("Регистрация на портале")

    await portal.switch_language(page, "kk")
    assert await lang_cookie(page) == "kk"
    await page.goto(portal.url("/services"))
    await expect(page.locator("html")).to_have_attribute("lang", "kk")
    await expect(page.locator("h1")).to_have_text("Мемлекеттік қызметтер каталогы")
    await nav.get_by_role("link", name="Кіру").click()
    await expect(page.locator("h1")).to_have_text("Порталға кіру")


async def lang_cookie(page: Page) -> str | None:
    return next((c["value"] for c in await page.context.cookies() if c["name"] == "lang"), None)
