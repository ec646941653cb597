"""The main journeys in a real browser: Debian's chromium driven by Playwright, against a running server.

Screenshots of every page land in ``artifacts/screenshots/``. Without chromium
the tests are skipped, except in CI (``CI=true``), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip("chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env["ATTUNE_DATA_DIR"] = str(tmp_path_factory.mktemp("web"))
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "attunement.web.app:create_app", "--factory", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/api/v1/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page: object, name: str) -> None:
    """Save a screenshot of the page, which must fit its window's width (nothing to scroll sideways)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px wider than the window"


def test_sign_up_assess_practise_write_progress_export_and_delete(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(server + "/")
    shot(page, "01-welcome")
    page.get_by_label("Handle").fill("robin")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**/assess")
    shot(page, "02-assessment")
    page.get_by_role("button", name="See my skills").click()
    page.wait_for_url("**/progress**")
    assert page.get_by_text("Your skills are estimated").is_visible()

    page.goto(server + "/practice")
    assert page.get_by_text("Why this one:").is_visible()
    shot(page, "03-practice")
    page.get_by_label("4", exact=True).check()
    page.get_by_label("(optional, kept encrypted)").fill("I slowed down and listened.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/practice?saved=1")
    assert page.get_by_text("Saved.").is_visible()

    page.goto(server + "/write")
    reply = page.get_by_label("Your reply")
    reply.press_sequentially("That sounds really hard. How are you holding up?", delay=10)
    page.locator("#live-feedback ol li").first.wait_for(timeout=20_000)  # live, debounced feedback
    shot(page, "04-written-live-feedback")
    page.get_by_role("button", name="Send my reply").click()
    assert page.get_by_role("heading", name="Try next").is_visible()
    shot(page, "05-written-feedback")

    page.goto(server + "/progress")
    assert page.locator("svg").count() == 12
    assert page.get_by_text("1 exercise done").is_visible()
    assert "-0.0" not in page.content()  # a change that rounds to nothing reads +0.0
    table, room = page.locator("table").bounding_box(), page.locator(".table-wrap").bounding_box()
    assert table is not None and room is not None and table["width"] <= room["width"]  # fits a phone
    shot(page, "06-progress")

    page.goto(server + "/privacy")
    shot(page, "07-privacy")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all of it (JSON)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "I slowed down and listened." in exported and "robin" in exported
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a readable report").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert (
        report.startswith("# What attunement keeps about robin") and "I slowed down and listened." in report
    )

    # See and correct a belief, then read the audit log.
    page.get_by_label("Your level for Repair after conflict").fill("4.5")
    page.locator("form", has=page.get_by_label("Your level for Repair after conflict")).get_by_role(
        "button"
    ).click()
    assert page.get_by_text("Saved.").is_visible()
    assert page.get_by_text("You corrected a belief: Repair after conflict from").is_visible()
    assert page.get_by_text("You exported your data (report).").is_visible()
    shot(page, "08-privacy-beliefs-and-audit")
    page.get_by_role("link", name="What we collect and why").click()
    assert page.get_by_role("heading", name="What attunement collects, and why").is_visible()
    shot(page, "09-what-we-collect")
    page.goto(server + "/privacy")
    page.get_by_label("Type your handle to confirm").fill("robin")
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/welcome")
    page.goto(server + "/signin")
    page.get_by_label("Handle").fill("robin")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("The handle or the password is not right.").is_visible()
    page.close()


def test_pages_need_a_session_and_forms_their_token(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/progress")
    assert page.url.endswith("/signin")
    response = page.request.post(server + "/practice/x", form={"completed": "yes"})
    assert response.status in (401, 403) or response.url.endswith("/signin")
    page.close()


def _join(page: object, server: str, handle: str) -> None:
    page.goto(server + "/welcome")  # type: ignore[attr-defined]
    page.get_by_label("Handle").fill(handle)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill("a long enough password")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Join").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/assess")  # type: ignore[attr-defined]


def test_two_partners_link_check_in_and_rate_a_suggestion(server: str, browser: object) -> None:
    ana = browser.new_context().new_page()  # type: ignore[attr-defined]
    ben = browser.new_context().new_page()  # type: ignore[attr-defined]
    _join(ana, server, "ana")
    _join(ben, server, "ben")
    ana.goto(server + "/partner")
    shot(ana, "08-partner-unlinked")
    ana.get_by_role("button", name="Make an invite code").click()
    code = ana.locator(".notice strong").inner_text()
    ben.goto(server + "/partner")
    ben.get_by_label("Or enter your partner's code").fill(code)
    ben.get_by_role("button", name="Link").click()
    assert ben.get_by_text("Linked with ana").is_visible()

    ana.goto(server + "/partner")
    ana.get_by_label("Listening").first.check()
    ana.get_by_role("button", name="Save").click()
    ana.get_by_label("2", exact=True).check()
    ana.get_by_label("What ben may see").select_option("mood")
    ana.get_by_role("button", name="Check in").click()
    ana.wait_for_url("**/partner?saved=1")

    ben.goto(server + "/partner")
    assert ben.get_by_text("Supporting ana").is_visible()
    assert ben.get_by_text("mood 2/5").is_visible()
    shot(ben, "09-partner-suggestion")

    ana.goto(server + "/partner")
    ana.locator("form[action^='/partner/rate/']").get_by_label("5", exact=True).check()
    ana.get_by_role("button", name="Rate").click()
    ana.wait_for_url("**/partner?saved=1")
    shot(ana, "10-partner-rated")
    ana.goto(server + "/privacy")
    assert ana.get_by_text("How support maps are read here: fitted to 1 map").is_visible()
    ben.get_by_role("button", name="Unlink").click()
    ben.wait_for_url("**/partner?saved=1")
    assert ben.get_by_role("button", name="Make an invite code").is_visible()
