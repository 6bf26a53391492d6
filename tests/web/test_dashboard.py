"""Log in with a Five Eyes key and with the exercise (PUBLIC-only) key: the belt chart
draws the released objects, the object table lists what the partner may see and never
the RESTRICTED object for the lower partner."""

from __future__ import annotations

import asyncio
import threading

import pytest
from astropy.time import TimeDelta

from beltwatch.stream import MemoryStream
from beltwatch.values import Event, EventKind, Markings

from .conftest import OBJECTS, PUBLIC, RESTRICTED_ID, T0

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


def test_live_feed_shows_only_released_records(browser, served, artefacts) -> None:
    """Published while the page is open: the owner-only alert never reaches COMBINED_OPS,
    the public one that follows it does (in order, so its arrival proves the first was
    decided)."""
    own_only = Markings("USA", "RESTRICTED", frozenset())
    events = [
        Event(
            "live-1",
            EventKind.MANEUVER,
            (49059,),
            T0,
            own_only,
            {"delta_v_m_s": 3.0},
            {},
            "owner-only burn",
        ),
        Event(
            "live-2",
            EventKind.NEW_OBJECT,
            (49060,),
            T0 + TimeDelta(60, format="sec"),
            PUBLIC,
            {},
            {},
            "new object near 95E",
        ),
    ]
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    try:
        _login(page, served, "COMBINED_OPS")
        page.wait_for_selector("#live-dot.on", timeout=TIMEOUT_MS)
        page.click("#nav a[data-view=live]")

        async def publish() -> None:
            stream = MemoryStream(served.broker)
            await stream.publish_many("events", events)
            await stream.close()

        # Playwright's sync API runs a loop in this thread: publish from another one.
        publisher = threading.Thread(target=lambda: asyncio.run(publish()))
        publisher.start()
        publisher.join(timeout=30)
        page.wait_for_selector("#live-table tr:has-text('new object near 95E')", timeout=TIMEOUT_MS)
        assert "owner-only burn" not in page.inner_text("#live-table")
        assert "owner-only burn" not in page.inner_text("#alerts-table")
        page.screenshot(path=str(artefacts / "live-COMBINED_OPS.png"), full_page=True)
    finally:
        page.close()
