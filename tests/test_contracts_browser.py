"""The problem page opened from the vendor's portal with a customer token, in headless Chromium."""

from __future__ import annotations

import pytest
from conftest import CUSTOMER_SECRET

from triage.contracts.csv_io import parse_contracts
from triage.contracts.store import ContractStore
from triage.contracts.tokens import customer_token
from triage.events.store import EventStore

pytestmark = pytest.mark.xdist_group("server")

CONTRACT = "customer_id,name,emails,plan,valid_until\nK-7001,Vogt Elektro GmbH,it@vogt-browser.example,Premium,\n"
TEXT = "Seit dem Windows-Update auf dem Terminalserver kommt keine Verbindung zum Datenbankserver zustande"
SENTENCE = '#level0-result [data-field="contract"]'


@pytest.fixture(scope="module")
def token(repo_state) -> str:
    store = ContractStore(EventStore(repo_state.events_url))
    store.import_contracts(parse_contracts(CONTRACT.encode(), ["Basis", "Premium"]).contracts)
    store.close()
    return customer_token("K-7001", CUSTOMER_SECRET)


def classify(page, url: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    page.fill("#level0-description", TEXT)
    page.click("button[type=submit]")
    page.wait_for_selector("#level0-result:not([hidden])", timeout=15000)
    return errors


@pytest.mark.parametrize("link", ["/problem/#customer_token={token}", "/problem/?customer_token={token}"])
def test_the_page_says_what_the_contract_means(page, repo_server, token, link):
    errors = classify(page, repo_server.url + link.format(token=token))
    sentence = page.locator(SENTENCE)
    assert sentence.is_visible()
    text = sentence.inner_text()
    assert text.startswith("Ihr Paket Premium: Antwort innerhalb von ") and text.endswith("."), text
    assert "customer_token" not in page.url and token not in page.url  # not left in the address bar
    assert errors == []


def test_without_or_with_a_forged_token_the_page_says_nothing_about_a_contract(browser, repo_server, token):
    forged = "K-7001." + "0" * 64
    for link in ("/problem/", f"/problem/#customer_token={forged}", "/problem/?customer_token=K-7001"):
        context = browser.new_context(locale="de-DE")
        page = context.new_page()
        try:
            assert classify(page, repo_server.url + link) == []
            assert page.locator(SENTENCE).is_hidden() and page.locator(SENTENCE).inner_text() == ""
        finally:
            context.close()
