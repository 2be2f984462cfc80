"""What the page tests share: headless Chromium as it runs here, signing in through the
login form, and the console errors a page logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Chromium here has no network: keep it from trying (DESIGN.md, machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def record_errors(page: Page) -> list[str]:
    """The list the page's console errors and uncaught exceptions go to, as ``page.errors``."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return errors


def sign_in(page: Page, account: tuple[str, str]) -> None:
    """Fill in and send the login form the page is on, and wait to leave it."""
    expect(page.locator("main.login form")).to_be_visible()
    page.locator("#name").fill(account[0])
    page.locator("#password").fill(account[1])
    page.locator("main.login button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
