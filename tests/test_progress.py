"""Learner progress in a real browser: ticks survive reloads and navigation, follow their items
when a page is reordered, export/import/reset round-trip, bad input changes nothing, broken
storage never breaks a page, and the roadmap, bars and glossary show it. Plus axe-core."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, at, build, free_port, scroll_through, scroll_to, served

KEY = "genai-roadmap:progress"
TOPIC = "fundamentals/mathematics-and-statistics/"
TOPIC_ID = "mathematics-and-statistics"
AXE = ROOT / "node_modules/axe-core/axe.min.js"


def stored(page) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('{KEY}')") or "null")


def boxes(page):
    return page.locator("input[data-progress]")


def tick(page, index: int):
    """Click where a learner clicks: Material draws the box as a ::before just left of the item
    (the input is transparent and its label has no width), so click by coordinates."""
    box = boxes(page).nth(index)
    item = box.locator("xpath=ancestor::li[1]")
    item.scroll_into_view_if_needed()
    rect = item.bounding_box()
    was = box.is_checked()
    page.mouse.click(rect["x"] - 10, rect["y"] + 10)
    assert box.is_checked() != was, "the click on the drawn checkbox toggled it"
    return box.get_attribute("data-progress")


def test_ticks_survive_reload_and_instant_navigation(page, served_site):
    page.goto(served_site + TOPIC)
    first = tick(page, 0)
    third = tick(page, 2)
    assert stored(page)["items"] == {first: True, third: True}
    page.reload()
    assert boxes(page).nth(0).is_checked() and boxes(page).nth(2).is_checked()
    assert not boxes(page).nth(1).is_checked()
    # Instant navigation away and back (history), then forward and back again.
    page.locator(".md-tabs__link", has_text="Fundamentals").click()
    page.wait_for_url(at(served_site + "fundamentals/"))
    page.go_back()
    page.wait_for_url(at(served_site + TOPIC))
    assert boxes(page).nth(0).is_checked() and boxes(page).nth(2).is_checked()
    page.go_forward()
    page.wait_for_url(at(served_site + "fundamentals/"))
    page.locator(f"article a[href$='{TOPIC.split('/')[1]}/']").first.click()
    page.wait_for_url(at(served_site + TOPIC))
    assert boxes(page).nth(0).is_checked()


def test_keyboard_ticks_an_item_and_sets_a_status(page, served_site):
    page.goto(served_site + TOPIC)
    boxes(page).nth(1).focus()
    page.keyboard.press("Space")
    assert boxes(page).nth(1).is_checked()
    done = page.locator(f"#status-{TOPIC_ID}-done")
    done.focus()
    page.keyboard.press("Space")
    assert stored(page)["topics"] == {TOPIC_ID: "done"}
    assert page.locator(".topic-status").get_attribute("data-status") == "done"


def test_ticks_follow_their_items_when_a_page_is_reordered(browser, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", "node_modules", ".git", ".cache", "site", "__pycache__"), symlinks=True)
    shutil.copytree(ROOT / "overrides/assets/vendor", project / "overrides/assets/vendor",
                    dirs_exist_ok=True)
    page_md = project / "docs" / (TOPIC.rstrip("/") + ".md")
    lines = page_md.read_text(encoding="utf-8").split("\n")
    items = [i for i, line in enumerate(lines) if line.startswith("- [ ] ")]
    first_text, second_text = lines[items[0]][6:], lines[items[1]][6:]
    port = free_port()
    before, after = tmp_path / "before", tmp_path / "after"
    assert build(project, before, f"http://127.0.0.1:{port}/").returncode == 0
    lines[items[0]], lines[items[1]] = lines[items[1]], lines[items[0]]
    page_md.write_text("\n".join(lines), encoding="utf-8")
    assert build(project, after, f"http://127.0.0.1:{port}/").returncode == 0

    context = browser.new_context()
    tab = context.new_page()
    with served(before, port) as url:
        tab.goto(url + TOPIC)
        key = tick(tab, 0)
        assert first_text.split()[0] in tab.locator(".task-list-item").nth(0).inner_text()
    with served(after, port) as url:
        tab.goto(url + TOPIC)
        moved = tab.locator(f"input[data-progress='{key}']")
        assert moved.is_checked()
        # The ticked item is now second; the item that moved up is not ticked.
        assert boxes(tab).nth(1).get_attribute("data-progress") == key
        assert not boxes(tab).nth(0).is_checked()
        assert second_text.split()[0] in tab.locator(".task-list-item").nth(0).inner_text()
    context.close()


def _import(page, tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    page.set_input_files("#progress-import", str(path))
    message = page.locator(".progress-tools__message")
    message.wait_for(state="visible")
    page.wait_for_function("document.querySelector('.progress-tools__message').textContent.length > 0")
    return message.inner_text()


def test_export_reset_import_round_trip_and_bad_files(page, served_site, tmp_path):
    page.goto(served_site + TOPIC)
    tick(page, 0)
    tick(page, 1)
    page.locator(f"label[for='status-{TOPIC_ID}-skipped']").click()
    before = stored(page)
    assert len(before["items"]) == 2 and before["topics"]

    page.goto(served_site + "progress/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export progress").click()
    exported = tmp_path / "exported.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert data["version"] == 1 and data["items"] == before["items"]

    page.get_by_role("button", name="Reset progress…").click()
    page.get_by_role("button", name="Yes, erase everything").click()
    assert stored(page) == {"version": 1, "items": {}, "topics": {}}

    assert "Imported 2 ticked items" in _import(page, tmp_path, "ok.json", exported.read_bytes())
    assert stored(page) == before

    bad = {
        "garbage.json": b"{not json at all",
        "other.json": json.dumps({"hello": "world"}).encode(),
        "version.json": json.dumps({**data, "version": 99}).encode(),
        "entries.json": json.dumps({**data, "items": {"x/y": "yes"}}).encode(),
        "huge.json": b" " * (10 * 1024 * 1024),
    }
    for name, content in bad.items():
        message = _import(page, tmp_path, name, content)
        assert message.startswith("Not imported") and "unchanged" in message, (name, message)
        assert stored(page) == before, name


@pytest.mark.parametrize("garbage", ["{broken", '{"version": 0}', '{"version": 1, "items": [1]}',
                                     '{"version": 1, "items": {"a/b": true, "c/d": 7}}'])
def test_corrupt_storage_is_set_aside_with_a_notice(page, served_site, garbage):
    page.add_init_script(f"""
        if (!sessionStorage.getItem('seeded')) {{
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem('{KEY}', {json.dumps(garbage)});
        }}""")
    for path in ["", "fundamentals/", TOPIC, "progress/"]:
        page.goto(served_site + path)
        assert page.locator("h1").first.is_visible()
        if path == "":
            notice = page.locator(".progress-notice")
            assert notice.is_visible(), "a notice tells what was set aside"
            aside = page.evaluate("localStorage.getItem('genai-roadmap:progress:set-aside')")
            assert aside, "what could not be read is kept aside, not deleted"
    state = stored(page)
    assert state["version"] == 1
    if "a/b" in garbage:
        assert state["items"] == {"a/b": True}, "valid entries are kept"


def test_storage_disabled_degrades_to_a_notice(page, served_site):
    page.add_init_script("""
        Object.defineProperty(window, 'localStorage', {
          get() { throw new DOMException('denied', 'SecurityError'); } });""")
    page.goto(served_site + TOPIC)
    assert "not letting the site save progress" in page.locator(".progress-notice").inner_text()
    tick(page, 0)
    assert boxes(page).nth(0).is_checked()
    # The theme's own scripts also touch storage and throw the simulated error; that is the
    # browser's doing, not a fault of the page.
    page.errors[:] = [e for e in page.errors if e != "denied"]


def test_storage_full_degrades_to_a_notice(page, served_site):
    page.goto(served_site + TOPIC)
    page.evaluate("""() => { Storage.prototype.setItem = function () {
        throw new DOMException('full', 'QuotaExceededError'); }; }""")
    tick(page, 0)
    assert "could not be saved" in page.locator(".progress-notice").inner_text()
    assert boxes(page).nth(0).is_checked()


def test_bars_roadmap_and_next_up_follow_progress(page, served_site, cat):
    page.goto(served_site + TOPIC)
    for i in range(boxes(page).count()):
        tick(page, i)
    assert page.locator(".topic-status").get_attribute("data-status") == "done"
    page.goto(served_site)
    total = len(cat.topics)
    bar = page.locator(".progress-bar", has_text="All topics")
    assert f"1 of {total} topic" in bar.inner_text()
    assert bar.locator("[role=progressbar]").get_attribute("aria-valuenow") == "1"
    scroll_to(page, ".mermaid-diagram")
    node = page.locator(f".mermaid-diagram .node-status[data-topic='{TOPIC_ID}']")
    node.wait_for(timeout=20000)
    page.wait_for_function(f"""document.querySelector(".node-status[data-topic='{TOPIC_ID}']")
                               .textContent.startsWith("✔")""")
    group = node.locator(
        "xpath=ancestor::*[local-name()='g'][contains(concat(' ', @class, ' '), ' node ')][1]")
    assert group.get_attribute("data-status") == "done"
    link = node.locator("xpath=ancestor::*[local-name()='a'][1]")
    href = link.evaluate("a => a.getAttribute('href') || a.getAttribute('xlink:href')")
    assert href.rstrip("/").endswith(TOPIC.rstrip("/")), href
    assert TOPIC_ID not in " ".join(page.locator(".next-up a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))
    page.goto(served_site + "fundamentals/")
    assert "1 of" in page.locator(".progress-bar").first.inner_text()


def test_glossary_tooltips_on_a_topic_page(page, served_site):
    page.goto(served_site + TOPIC)
    abbr = page.locator("article abbr[title]")
    assert abbr.count() > 0
    page.goto(served_site + "glossary/")
    assert page.locator("article dt").count() >= 10


# One page of every kind: home, phase, overview, topic, notebook, progress, glossary; and a
# topic with content tabs, highlighted code and a comparison table with row headers.
AXE_PAGES = ["", "fundamentals/", "generative-ai/generative-models/", TOPIC,
             "notebooks/mathematics-and-statistics/", "progress/", "glossary/",
             "fundamentals/deep-learning-frameworks/"]


@pytest.mark.parametrize("page", ["light", "dark"], indirect=True)
def test_axe_finds_no_serious_violations(page, served_site):
    found = []
    for path in AXE_PAGES:
        page.goto(served_site + path)
        scroll_through(page)  # math and diagrams are drawn as they come into view
        page.wait_for_timeout(1000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                found.append(f"/{path}: {v['id']} ({v['impact']}): {v['help']} {targets}")
    assert not found, "\n".join(found)
