"""Screenshots of the Dagster UI for the README, taken in real Chromium: the asset graph (raw tables →
staging → marts) and a partitioned backfill (connections × days), launched and run to its end.

usage: .venv/bin/python scripts/dagster_screenshots.py DAGSTER_UI_URL [--out docs]
Point it at a running `revsync demo` (its "Dagster UI" line): the backfill picks every connection (the
demo has one) and the last 3 complete days, and really runs (the demo's daemon launches it).
"""

import argparse
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

JOB = "hubspot_sync_job"


def asset_graph(page: Page, ui: str, path: Path) -> None:
    """Every asset, grouped: each provider's raw tables, then dbt's staging, intermediate and marts."""
    page.goto(f"{ui}/asset-groups")
    page.get_by_text("ingest_hubspot").last.wait_for()
    for _ in range(60):  # each group's materialization counts load after the graph
        if page.get_by_text("fetching statuses").count() == 0:
            break
        page.wait_for_timeout(1000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path))


def backfill(page: Page, ui: str, path: Path) -> None:
    """Launches a backfill of every connection's last 3 complete days from the job's partitions page,
    waits until its run is done, and captures it under Runs → Backfills with the partitions it loaded."""
    page.goto(f"{ui}/locations/__repository__@orchestration.definitions/jobs/{JOB}/partitions")
    page.get_by_role("button", name="Materialize…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="All").first.click()  # every connection: the demo has one
    last = datetime.now(UTC).date() - timedelta(days=1)
    days = dialog.get_by_placeholder(f"ex: {date(2015, 1, 1).isoformat()}", exact=False)
    days.fill(f"[{(last - timedelta(days=2)).isoformat()}...{last.isoformat()}]")
    days.press("Enter")
    dialog.get_by_role("button", name="Launch backfill").click()
    dialog.wait_for(state="hidden")
    page.goto(f"{ui}/runs?view=backfills")
    page.locator("a[href^='/runs/b/']").first.click()  # the newest backfill: this one
    status = page.get_by_text("Status", exact=True).locator("..")
    for _ in range(120):  # the page refreshes itself; the run starts in its own process
        if status.get_by_text("Succeeded").count() or status.get_by_text("Failed").count():
            break
        page.wait_for_timeout(5000)
    else:
        raise SystemExit(f"the backfill at {page.url} did not finish in 10 minutes")
    page.goto(f"{ui}/runs?view=backfills")
    page.get_by_text("3 partitions").first.click()  # the newest backfill's partitions
    page.get_by_role("dialog").get_by_text(f"|{last.isoformat()}").wait_for()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 1600, "height": 660})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ui", help="the Dagster UI's address, e.g. http://127.0.0.1:3000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = parser.parse_args()
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(30_000)
        asset_graph(page, args.ui.rstrip("/"), args.out / "dagster-asset-graph.png")
        backfill(page, args.ui.rstrip("/"), args.out / "dagster-backfill.png")
        browser.close()
    print(f"wrote {args.out}/dagster-asset-graph.png and {args.out}/dagster-backfill.png")


if __name__ == "__main__":
    main()
