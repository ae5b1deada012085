"""The help page in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by selenium).

``examples.all:app`` runs under uvicorn on loopback; the browser loads ``/``, where every object is listed
(the client-activated type too), then the interop service's own page, opens the try-it form of
``make_person(name: str | None, age: int)``, types into it and sends it: the page's script builds the SOAP
request, POSTs it, and shows the request, the HTTP status and the pretty-printed response, which must hold
the answer. ``fail`` shows its fault, a malformed integer is refused by the form before anything is sent,
and the browser's console stays free of errors (a CSP violation, a failed load, a script error would all
show there). Screenshots go to the test's temporary directory (their paths are printed).

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (``scripts/setup.sh`` installs them) and selenium
(the test extra); a missing one skips the test locally and fails it under ``CI=true``. Nothing is
downloaded at run time: the driver and the browser are named explicitly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support.peers import require_peer
from ..support.server import live_server

pytestmark = pytest.mark.interop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with live_server("examples.all:app") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_peer("chromium", os.access(CHROMIUM, os.X_OK), "Debian's chromium is not installed (scripts/setup.sh)")
    require_peer("chromedriver", os.access(CHROMEDRIVER, os.X_OK),
                 "Debian's chromium-driver is not installed (scripts/setup.sh)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        require_peer("selenium", False, "the selenium package is not installed (pip install -e '.[test]')")
        raise
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, path: Path) -> None:
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")


def console_errors(driver: Any, expected: str = "\0") -> list[dict[str, Any]]:
    """Errors the browser logged (CSP violations, script errors, failed loads), but ``expected`` ones."""
    return [entry for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and expected not in entry["message"]]


def operation(driver: Any, signature_start: str) -> Any:
    """The operation block whose signature starts with ``signature_start``."""
    from selenium.webdriver.common.by import By

    blocks = [b for b in driver.find_elements(By.CSS_SELECTOR, "div.op")
              if b.find_element(By.CSS_SELECTOR, "h3").text.startswith(signature_start)]
    assert len(blocks) == 1, signature_start
    return blocks[0]


def send(driver: Any, block: Any, values: list[str]) -> Any:
    """Open the block's try-it form, type ``values`` into p0, p1 …, send it, wait for the result."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    details = block.find_element(By.CSS_SELECTOR, "details.try")
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()
    form = details.find_element(By.TAG_NAME, "form")
    for i, value in enumerate(values):
        field = form.find_element(By.NAME, f"p{i}")
        field.clear()
        field.send_keys(value)
    status = details.find_element(By.CSS_SELECTOR, ".result .status")
    before = status.get_attribute("textContent")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, TIMEOUT).until(
        lambda _: status.get_attribute("textContent") not in ("", before)
        and form.find_element(By.CSS_SELECTOR, "button[type=submit]").is_enabled()
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", block)
    return details


def test_the_listing_shows_every_object(browser: Any, base_url: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(base_url)
    assert browser.title == "Remoting services"
    heads = {h.find_element(By.TAG_NAME, "h2").text: h.find_element(By.CSS_SELECTOR, ".badge").text
             for h in browser.find_elements(By.CSS_SELECTOR, "section.object .object-head")}
    assert heads == {
        "/FactoryService.rem": "Singleton",
        "/InteropService.soap": "SingleCall",
        "/SayHello.rem": "SingleCall",
        "/SayHello.soap": "SingleCall",
        "/SingleCallService.rem": "SingleCall",
        "/SingletonService.rem": "Singleton",
        "RemotingPeer.ClientActivatedObject": "Client-activated",
    }
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Always raises InteropError with message." in text  # the docstring rendered, not raw reST
    assert "``" not in text and ":class:" not in text
    # the style applied (the inline <style> passed the CSP): sections are cards, not bare blocks
    section = browser.find_element(By.CSS_SELECTOR, "section.object")
    assert section.value_of_css_property("border-top-style") == "solid"
    assert section.value_of_css_property("border-top-left-radius") == "10px"
    screenshot(browser, tmp_path / "index.png")
    assert console_errors(browser) == []


def test_a_form_sends_the_call_and_shows_the_response(browser: Any, base_url: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(base_url + "InteropService.soap")
    block = operation(browser, "make_person(")
    details = send(browser, block, ["Ada <&> ü", "36"])
    status = details.find_element(By.CSS_SELECTOR, ".status")
    assert status.text.startswith("HTTP 200")
    assert "ok" in (status.get_attribute("class") or "").split()
    request = details.find_element(By.CSS_SELECTOR, "pre.req").text
    response = details.find_element(By.CSS_SELECTOR, "pre.resp").text
    assert '<tns:make_person xmlns:tns="urn:interop">' in request
    assert "<tns:name>Ada &lt;&amp;&gt; ü</tns:name>" in request and "<tns:age>36</tns:age>" in request
    assert "<tns:make_personResponse" in response
    assert "    <tns:make_personResult>" in response  # pretty-printed: one element a line, indented
    assert "<tns:name>Ada &lt;&amp;&gt; ü</tns:name>" in response and "<tns:age>36</tns:age>" in response
    assert "<tns:string>person</tns:string>" in response
    screenshot(browser, tmp_path / "try-it.png")
    assert console_errors(browser) == []


def test_a_fault_is_shown_and_a_bad_integer_is_never_sent(browser: Any, base_url: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(base_url + "InteropService.soap")
    details = send(browser, operation(browser, "fail("), ["it broke <here>"])
    status = details.find_element(By.CSS_SELECTOR, ".status")
    assert status.text.startswith("HTTP 500") and "SOAP fault: it broke <here>" in status.text
    assert "fault" in (status.get_attribute("class") or "").split()
    assert "<faultstring>it broke &lt;here&gt;</faultstring>" in details.find_element(By.CSS_SELECTOR, "pre.resp").text
    screenshot(browser, tmp_path / "fault.png")

    add = operation(browser, "add(")
    add.find_element(By.TAG_NAME, "summary").click()
    form = add.find_element(By.TAG_NAME, "form")
    form.find_element(By.NAME, "p0").send_keys("forty")
    form.find_element(By.NAME, "p1").send_keys("2")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert browser.execute_script("return arguments[0].checkValidity()", form) is False
    assert add.find_element(By.CSS_SELECTOR, ".result").get_attribute("hidden") is not None
    details = send(browser, add, ["40", "2"])
    assert "<tns:addResult>42</tns:addResult>" in details.find_element(By.CSS_SELECTOR, "pre.resp").text
    assert console_errors(browser, expected="the server responded with a status of 500") == []  # the fault
