"""What a citizen does on the portal's pages, as Playwright steps (used by the browser tests).

Every step waits for an element or a text explicitly; the only waiting loop (the cabinet until РПН's
result arrives) reloads the page until a deadline. Test persons come from ГБД ФЛ's documented ones
(``gbd_fl_mock.domain.test_persons``) and organisations from РПН's seed, so names are never retyped.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from phc_registry.domain.model import MedicalOrganisation
from phc_registry.domain.seed import organisation
from playwright.async_api import Locator, Page, expect
from websockets.asyncio.client import connect as ws_connect

CHROMIUM = Path("/usr/bin/chromium")
NCALAYER_PORT = 13579  # where the portal's pages look for NCALayer (ncalayer.js DEFAULT_URL)
NCALAYER_MODULE = "kz.gov.pki.knca.commonUtils"
PASSWORD = "browser-horse-1"
PHONE = "+7 701 555 12 34"


@dataclass(frozen=True)
class Citizen:
    archetype: str
    iin: str
    full_name: str


def citizen(archetype: str) -> Citizen:
    """A documented test person of ГБД ФЛ, by archetype (``principal``, ``adult_vko`` …)."""
    entry = next(entry for entry in TEST_PERSONS if entry.archetype == archetype)
    assert entry.person is not None, f"{archetype} is not in ГБД ФЛ"
    person = entry.person
    full_name = " ".join(part for part in (person.surname, person.name, person.patronymic) if part)
    return Citizen(archetype, entry.iin, full_name)


def medical_organisation(code: str) -> MedicalOrganisation:
    found = organisation(code)
    assert found is not None, f"РПН has no organisation {code}"
    return found


@dataclass(frozen=True)
class Portal:
    base_url: str
    signer_port: int
    screenshots: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def signer_url(self) -> str:
        return f"ws://127.0.0.1:{self.signer_port}/"

    async def page_may_reach_signer(self, page: Page) -> bool:
        """Whether the portal's pages may open a WebSocket to this landscape's signer.

        ``connect-src`` of the pages' Content-Security-Policy names where NCALayer may be reached; a
        portal that can be pointed at a signer on another port has to list that port there too.
        """
        response = await page.request.get(self.url("/"))
        policy = response.headers.get("content-security-policy", "")
        directive = next((part.split() for part in policy.split(";") if "connect-src" in part), [])
        return any(source.rstrip("/").endswith(f"//127.0.0.1:{self.signer_port}") for source in directive)

    # --- language -------------------------------------------------------------------------------------
    async def switch_language(self, page: Page, lang: str) -> None:
        """Click the header's language link (``?lang=…``, remembered in the ``lang`` cookie)."""
        link = page.locator(f'header .langs a[hreflang="{lang}"]')
        await link.click()
        await expect(page.locator("html")).to_have_attribute("lang", lang)
        await expect(link).to_have_attribute("aria-current", "true")

    # --- registration and authorisation ---------------------------------------------------------------
    async def register(self, page: Page, person: Citizen, password: str = PASSWORD) -> None:
        await page.goto(self.url("/register"))
        form = page.locator('form[action="/register"]')
        await form.locator("#iin").fill(person.iin)
        await form.locator("#password").fill(password)
        await form.locator("#phone").fill(PHONE)
        await form.locator('button[type="submit"]').click()
        # Registered: the login page says so (process 1 follows); or the page says why not.
        await self.expect_no_error(page, page.locator(".alert.ok"), "registration")
        await expect(page).to_have_url(re.compile(r"/login\?registered=1$"))

    async def expect_no_error(self, page: Page, success: Locator, what: str) -> None:
        """Wait for ``success`` or an error alert; fail with the page's own words in the latter case."""
        error = page.locator(".alert.error[data-error-code]")
        await expect(success.or_(error).first).to_be_visible()
        if await error.count():
            code = await error.first.get_attribute("data-error-code")
            raise AssertionError(f"{what} refused: {code}: {await error.first.inner_text()}")

    async def submit_login(self, page: Page, iin: str, password: str) -> None:
        form = page.locator('form[action="/login"]')
        await form.locator("#iin").fill(iin)
        await form.locator("#password").fill(password)
        await form.locator('button[type="submit"]').click()

    async def login(self, page: Page, person: Citizen, password: str = PASSWORD) -> None:
        if not page.url.startswith(self.url("/login")):
            await page.goto(self.url("/login"))
        await self.submit_login(page, person.iin, password)
        await self.expect_no_error(page, page.locator("header .who"), "login")
        await expect(page).to_have_url(self.url("/cabinet"))
        await expect(page.locator("header .who")).to_have_text(person.full_name)

    # --- the H1 form (process 3) ----------------------------------------------------------------------
    async def open_h1_from_catalogue(self, page: Page) -> None:
        await page.locator("header nav").get_by_role("link", name=re.compile("Қызметтер|Услуги")).click()
        await expect(page).to_have_url(self.url("/services"))
        await page.locator('a[href="/services/H1"]').first.click()
        await expect(page).to_have_url(self.url("/services/H1"))
        await expect(page.locator("#organisationCode")).to_be_visible()

    async def offered_organisations(self, page: Page) -> list[str]:
        values = await page.locator("#organisationCode option").evaluate_all(
            "options => options.map(option => option.value)"
        )
        return [value for value in values if value]

    async def draft_h1(self, page: Page, organisation_code: str, reason: str) -> str:
        """Choose the organisation, write the reason, continue: the signing page of the new draft."""
        await page.locator("#organisationCode").select_option(organisation_code)
        await page.locator("#reason").fill(reason)
        await page.locator('form[action="/services/H1"] button[type="submit"]').click()
        await expect(page).to_have_url(re.compile(r"/applications/[^/]+/sign$"))
        await expect(page.locator("#sign-form")).to_be_attached()
        return page.url.rsplit("/", 2)[-2]

    # --- signing (condition 2, process 5) -------------------------------------------------------------
    async def sign_with_button(self, page: Page, application_id: str) -> None:
        """Press «NCALayer арқылы қол қою»: ncalayer.js asks the signer, fills the form and posts it."""
        button = page.locator("#sign-button")
        await expect(button).to_be_visible()  # sign.js found ncalayer.js and showed it
        await button.click()
        try:
            await expect(page).to_have_url(self.url(f"/applications/{application_id}"), timeout=30_000)
        except AssertionError:
            shown = await page.locator("[data-ncalayer-error]").inner_text()
            raise AssertionError(f"the page did not get the signature; it shows: {shown!r}") from None

    async def sign_elsewhere_and_paste(self, page: Page, application_id: str) -> None:
        """The page's «without JavaScript» path: the XML signed by the landscape's signer, pasted back.

        The signer is asked over its NCALayer protocol as a program (no ``Origin``), exactly with the
        request ncalayer.js sends; it signs with the key of the ИИН the application names.
        """
        xml = await page.locator('#sign-form input[name="xml"]').input_value()
        signed = await self.sign_with_signer(xml)
        paste = page.locator("details", has=page.locator("#signed_xml_manual"))
        await paste.locator("summary").click()
        await paste.locator("#signed_xml_manual").fill(signed)
        await paste.locator('button[type="submit"]').click()
        await expect(page).to_have_url(self.url(f"/applications/{application_id}"))

    async def sign_with_signer(self, xml: str) -> str:
        async with ws_connect(self.signer_url, open_timeout=10, max_size=8 * 1024 * 1024) as socket:
            greeting = json.loads(await socket.recv())
            assert "version" in greeting.get("result", {}), greeting
            request = {
                "module": NCALAYER_MODULE,
                "method": "signXml",
                "args": ["PKCS12", "SIGNATURE", xml, "", ""],
            }
            await socket.send(json.dumps(request))
            answer = json.loads(await socket.recv())
        assert answer.get("code") == "200", answer
        return str(answer["responseObject"])

    # --- the cabinet ----------------------------------------------------------------------------------
    async def wait_in_cabinet(
        self, page: Page, application_id: str, status: str, timeout: float = 45
    ) -> None:
        """Reload the cabinet until the application's row shows ``status`` (a final one), or fail."""
        row_status = page.locator(f'tr[data-application="{application_id}"] .status')
        deadline = time.monotonic() + timeout
        seen = ""
        while True:
            await page.goto(self.url("/cabinet"))
            await expect(row_status).to_be_visible()
            classes = await row_status.get_attribute("class") or ""
            seen = next((name for name in classes.split() if name.startswith("status-")), classes)
            if seen == f"status-{status}":
                return
            if seen in ("status-done", "status-refused", "status-failed") or time.monotonic() > deadline:
                raise AssertionError(f"application {application_id}: {seen}, expected status-{status}")
            await page.wait_for_timeout(500)

    async def open_from_cabinet(self, page: Page, application_id: str) -> None:
        await page.locator(f'tr[data-application="{application_id}"] a.open').click()
        await expect(page).to_have_url(self.url(f"/applications/{application_id}"))

    async def screenshot(self, page: Page, name: str) -> Path:
        path = self.screenshots / name
        await page.screenshot(path=str(path), full_page=True)
        return path
