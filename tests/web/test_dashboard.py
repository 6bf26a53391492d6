"""Log in with a Five Eyes key and with the exercise (PUBLIC-only) key: the belt chart
draws the released objects, the object table lists what the partner may see and never
the RESTRICTED object for the lower partner."""

from __future__ import annotations

import pytest

from .conftest import OBJECTS, PUBLIC, RESTRICTED_ID

TIMEOUT_MS = 60_000


def _login(page, served, partner: str) -> None:
    page.goto(served.url + "/")
    page.fill("#api-key", served.keys[partner])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#partner:has-text('" + partner + "')", timeout=TIMEOUT_MS)


def _visible_ids(partner: str) -> set[int]:
    if partner == "GLOBAL_SENTINEL":
        return {n for n, (_, _, _, m) in OBJECTS.items() if m == PUBLIC}
    return set(OBJECTS)


@pytest.mark.parametrize("partner", ["COMBINED_OPS", "GLOBAL_SENTINEL"])
def test_dashboard_shows_what_the_partner_may_see(browser, served, artefacts, partner) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _login(page, served, partner)
        page.wait_for_selector("#belt-chart .scatterlayer .trace", timeout=TIMEOUT_MS)
        traces = page.evaluate("document.getElementById('belt-chart').data.map(t => t.name)")
        traced = {int(name.split()[0]) for name in traces}
        assert traced == _visible_ids(partner)
        page.wait_for_selector("#coverage-table tbody tr td.mono", timeout=TIMEOUT_MS)
        page.screenshot(path=str(artefacts / f"belt-{partner}.png"), full_page=True)

        page.click("#nav a[data-view=objects]")
        page.wait_for_selector("#objects-table tbody tr.link", timeout=TIMEOUT_MS)
        rows = page.eval_on_selector_all(
            "#objects-table tbody tr.link", "rows => rows.map(r => Number(r.dataset.norad))"
        )
        assert set(rows) == _visible_ids(partner)
        assert (RESTRICTED_ID in rows) == (partner == "COMBINED_OPS")
        assert ("RESTRICTED-SAT" in page.inner_text("#objects-table")) == (
            partner == "COMBINED_OPS"
        )
        page.screenshot(path=str(artefacts / f"objects-{partner}.png"), full_page=True)

        page.click("#objects-table tbody tr[data-norad='49057']")
        page.wait_for_selector("#sets-table tbody tr td.mono", timeout=TIMEOUT_MS)
        assert page.locator("#sets-table tbody tr").count() == 4
        page.wait_for_selector("#object-events tbody tr td .kind", timeout=TIMEOUT_MS)
        page.screenshot(path=str(artefacts / f"object-{partner}.png"), full_page=True)

        page.click("#nav a[data-view=alerts]")
        page.wait_for_selector("#alerts-table tbody tr td .kind", timeout=TIMEOUT_MS)
        alerts = page.inner_text("#alerts-table")
        assert "east-west maneuver" in alerts
        assert ("RESTRICTED-SAT" in alerts) == (partner == "COMBINED_OPS")
        page.screenshot(path=str(artefacts / f"alerts-{partner}.png"), full_page=True)
        assert errors == []
    finally:
        page.close()


def test_a_wrong_key_is_refused(browser, served) -> None:
    page = browser.new_page()
    try:
        page.goto(served.url + "/")
        page.fill("#api-key", "bw_wrong")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-error:has-text('not valid')", timeout=TIMEOUT_MS)
        assert page.is_hidden("#nav")
    finally:
        page.close()
