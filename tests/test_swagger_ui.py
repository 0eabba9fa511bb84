"""Swagger UI at /docs, in a real headless Chromium: an admin authorizes, calls an
operation and reads its answer on the page, and no request leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from api.dev_tokens import emulator_id_token
from api.services import membership
from tests.databases import migrated_engine
from tests.live import PROJECT_ID, live_server

CHROMIUM = os.environ.get("BITEWISE_CHROMIUM", "/usr/bin/chromium")
# bin/test installs Chromium and sets this: in CI a missing browser is a failure.
REQUIRE = os.environ.get("BITEWISE_REQUIRE_CHROMIUM") == "1"
ADMIN = "ops@docs.example"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (bin/test installs Debian's chromium)"
        if REQUIRE:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # Nothing of Chromium's own (updates, safe browsing, sync) may go out either.
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_an_admin_authorizes_and_calls_an_operation_in_swagger_ui(browser, tmp_path: Path) -> None:
    with migrated_engine("sqlite", tmp_path) as engine:
        with Session(engine) as session:
            membership.create_organization(
                session, name="Docs Co", admin_email=ADMIN, now=dt.datetime.now(dt.UTC)
            )
        with live_server(engine.url.render_as_string(), workers=1) as url:
            page = browser.new_page()
            hosts: set[str] = set()
            page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))

            page.goto(f"{url}/docs")
            page.wait_for_selector(".swagger-ui .info .title")
            assert "Bitewise API" in page.inner_text(".swagger-ui .info .title")

            page.click("button.btn.authorize")
            token = emulator_id_token(project_id=PROJECT_ID, uid="docs-admin", email=ADMIN)
            page.fill(".auth-container input[type=text], .auth-container input", token)
            page.click(".auth-btn-wrapper button.authorize")
            page.click(".auth-btn-wrapper button.btn-done")

            operation = page.locator("#operations-me-get_me")
            operation.locator(".opblock-summary").click()
            try_it = operation.locator("button.try-out__btn")
            if try_it.count() and "Try it out" in try_it.inner_text():
                try_it.click()
            operation.locator("button.execute").click()
            status = operation.locator(".live-responses-table .response .response-col_status")
            status.first.wait_for()
            assert status.first.inner_text().strip().startswith("200")
            body = operation.locator(".live-responses-table .response-col_description pre")
            answer = body.first.inner_text()
            assert ADMIN in answer and '"role": "admin"' in answer

            assert hosts == {"127.0.0.1"}, hosts
