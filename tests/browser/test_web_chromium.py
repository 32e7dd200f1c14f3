"""The web app in real Chromium: a manager signs in, connects HubSpot on the sandbox's consent page,
syncs, reads the dashboard and disconnects; Deny shows the error; a rep sees no integration
controls. Each state is screenshotted into docs/ (desktop, and the integrations page on a phone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from oauth_service.users import add_user
from tests.web_support import PASSWORD, make_owners_reps, run_dbt, web_app_fixture  # noqa: F401

pytestmark = pytest.mark.integration
SANDBOX_SEED = 25
SANDBOX_ENGAGEMENTS = 3000  # enough activity for the dashboard's screenshot to show trends
DOCS = Path(__file__).resolve().parents[2] / "docs"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(DOCS / f"web-{name}.png"), full_page=True)


def sign_in(page: Page, web_app, who: str) -> None:
    page.goto(f"{web_app.url}/login")
    page.get_by_label("Email").fill(web_app.people[who].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def card(page: Page, provider: str):
    return page.locator(f"section.card#{provider}")


def test_manager_connects_syncs_reads_the_dashboard_and_disconnects(chromium, web_app, environment, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, web_app, "manager_a")
    expect(page).to_have_url(re.compile(r"/integrations$"))
    hubspot = card(page, "hubspot")
    expect(hubspot.get_by_test_id("status")).to_have_text("Not connected")
    shot(page, "integrations-not-connected")

    hubspot.get_by_role("link", name="Connect HubSpot").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    shot(page, "hubspot-consent")
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#notice")).to_contain_text("HubSpot is connected")
    expect(hubspot.get_by_test_id("status")).to_have_text("Connected")
    expect(hubspot.get_by_test_id("records")).to_have_text("0")
    expect(hubspot.get_by_test_id("last-sync")).to_have_text("never")
    shot(page, "integrations-connected")

    hubspot.get_by_role("button", name="Sync now").click()
    expect(page.locator("#notice")).to_contain_text("HubSpot sync started")
    # The page reloads itself while the sync runs.
    expect(hubspot.get_by_test_id("last-sync")).to_contain_text("succeeded", timeout=240_000)
    expect(hubspot.get_by_test_id("records")).not_to_have_text("0")
    expect(hubspot.get_by_test_id("last-sync")).to_contain_text(re.compile(r"just now|minute"))
    title = hubspot.get_by_test_id("last-sync").locator("time").get_attribute("title")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", title)
    shot(page, "integrations-synced")

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                 storage_state=context.storage_state())
    phone_page = phone.new_page()
    phone_page.goto(f"{web_app.url}/integrations")
    expect(card(phone_page, "hubspot").get_by_test_id("status")).to_have_text("Connected")
    phone_page.screenshot(path=str(DOCS / "web-integrations-phone.png"), full_page=True)
    phone.close()

    make_owners_reps(web_app)
    run_dbt(environment, tmp_path, "+synced_activities", "+rep_activity_daily")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_label("Period", exact=True).select_option("90")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("rep-row").first).to_be_visible()
    dials = [int(text.replace(",", "")) for text in page.get_by_test_id("dials").all_inner_texts()]
    assert sum(dials) > 0 and page.locator("svg.chart rect").count() > 0
    assert int(page.get_by_test_id("total-dials").inner_text().replace(",", "")) == sum(dials)
    shot(page, "dashboard")

    # One of those reps signs in: their own row only, and no integration controls.
    top_rep = page.get_by_test_id("rep-row").first.locator("th").inner_text()
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select email from app.users where account_id = %s and display_name = %s",
                    (web_app.people["manager_a"].account_id, top_rep))
        email = cur.fetchone()[0]
        add_user(conn, account_id=web_app.people["manager_a"].account_id, email=email, role="rep", password=PASSWORD)
    rep_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    rep_page = rep_context.new_page()
    rep_page.goto(f"{web_app.url}/login")
    rep_page.get_by_label("Email").fill(email)
    rep_page.get_by_label("Password").fill(PASSWORD)
    rep_page.get_by_role("button", name="Sign in").click()
    expect(rep_page.get_by_role("heading", name="My numbers")).to_be_visible()
    rep_page.get_by_label("Period", exact=True).select_option("90")
    rep_page.get_by_role("button", name="Show").click()
    expect(rep_page.get_by_test_id("rep-row")).to_have_count(1)
    expect(rep_page.get_by_test_id("rep-row").locator("th")).to_have_text(top_rep)
    expect(rep_page.get_by_role("link", name="Integrations")).to_have_count(0)
    shot(rep_page, "rep-dashboard")
    rep_context.close()

    page.get_by_role("link", name="Integrations").click()
    hubspot.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#notice")).to_contain_text("HubSpot is disconnected")
    expect(hubspot.get_by_test_id("status")).to_have_text("Not connected")
    context.close()


def test_deny_shows_the_error(chromium, web_app):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, web_app, "manager_b")
    card(page, "hubspot").get_by_role("link", name="Connect HubSpot").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.locator("#error")).to_have_text("HubSpot was not connected: access was denied on HubSpot's page.")
    expect(card(page, "hubspot").get_by_test_id("status")).to_have_text("Not connected")
    shot(page, "hubspot-denied")
    context.close()


def test_a_rep_sees_no_integration_controls(chromium, web_app):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, web_app, "rep_b")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="My numbers")).to_be_visible()
    expect(page.get_by_role("link", name="Integrations")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Connect|Disconnect|Sync now"))).to_have_count(0)
    response = page.goto(f"{web_app.url}/integrations")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    context.close()


def test_api_docs_render_with_no_other_host_reachable(chromium, web_app):
    """Swagger UI draws the API's operations from the app's own assets alone."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    elsewhere = []

    def only_this_app(route):
        if route.request.url.startswith(web_app.url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_app)
    page = context.new_page()
    page.goto(f"{web_app.url}/api/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/connections")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/reps/metrics")).to_be_visible()
    assert elsewhere == []
    context.close()
