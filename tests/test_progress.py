"""Learner progress in a real browser: ticks survive reloads and navigation, follow their items
when a page is reordered, export/import/reset round-trip, bad input changes nothing, broken
storage never breaks a page, and the roadmap, bars and glossary show it. Plus axe-core."""

from __future__ import annotations

import html
import importlib.util
import json
import re
from types import SimpleNamespace

import pytest

import catalogue
from conftest import (
    ARGS,
    ROOT,
    _chromium,
    at,
    build,
    copy_project,
    free_port,
    scroll_through,
    scroll_to,
    served,
)

KEY = "genai-roadmap:progress"
TOPIC = "fundamentals/mathematics-and-statistics/"
TOPIC_ID = "mathematics-and-statistics"
AXE = ROOT / "node_modules/axe-core/axe.min.js"


def seed(page, state: dict) -> None:
    """Start the browser context with this saved progress (written before any page script runs,
    once: what the page saves afterwards is kept across navigations)."""
    page.add_init_script(f"""
        if (!sessionStorage.getItem('seeded')) {{
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem('{KEY}', {json.dumps(json.dumps(state))});
        }}""")


def item_keys(cat, topic_id: str) -> list[str]:
    """The progress keys of a topic's checklist, as the build derives them from its Markdown."""
    return [f"{topic_id}/{slug}" for _, slug in catalogue.task_items(cat.topic(topic_id).body)]


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
    # Instant navigation away and back (history), then forward and back again. The marker
    # survives only if no page along the way was loaded afresh.
    page.evaluate("window.stillTheSameDocument = true")
    page.locator(".md-tabs__link", has_text="Fundamentals").click()
    page.wait_for_url(at(served_site + "fundamentals/"))
    page.go_back()
    page.wait_for_url(at(served_site + TOPIC))
    assert boxes(page).nth(0).is_checked() and boxes(page).nth(2).is_checked()
    page.go_forward()
    page.wait_for_url(at(served_site + "fundamentals/"))
    page.locator(f"article a[href$='{TOPIC.split('/')[1]}/']").first.click()
    page.wait_for_url(at(served_site + TOPIC))
    page.locator("article h1", has_text="Mathematics").wait_for()
    assert boxes(page).nth(0).is_checked() and boxes(page).nth(2).is_checked()
    assert page.evaluate("window.stillTheSameDocument") is True, "navigation was not instant"


def test_back_from_the_cache_shows_progress_changed_elsewhere(browser, served_site):
    """A page restored from the back/forward cache is the old document, scripts and all: the
    ticks it shows must be re-read, here after a reset on another page."""
    # Playwright turns the cache off by default; a learner's browser has it on.
    instance = browser.browser_type.launch(executable_path=_chromium(), args=ARGS,
                                           ignore_default_args=["--disable-back-forward-cache"])
    tab = instance.new_context().new_page()
    tab.add_init_script("addEventListener('pageshow', e => { window.fromCache = e.persisted; })")
    try:
        tab.goto(served_site + TOPIC)
        tick(tab, 0)
        tab.goto(served_site + "progress/")  # a full load, so the topic page goes into the cache
        tab.get_by_role("button", name="Reset progress…").click()
        tab.get_by_role("button", name="Yes, erase everything").click()
        tab.go_back(wait_until="commit")  # a page from the cache fires no load event
        tab.wait_for_url(at(served_site + TOPIC), wait_until="commit")
        tab.wait_for_function("window.fromCache !== undefined")
        assert tab.evaluate("window.fromCache") is True, "the page did not come from the cache"
        assert not boxes(tab).nth(0).is_checked()
    finally:
        instance.close()


def _site_hook():
    spec = importlib.util.spec_from_file_location("site_hook", ROOT / "hooks" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keys_come_from_the_topic_id_not_the_page_address():
    """A renamed or moved topic page keeps its ticks as long as its front matter keeps its id."""
    hook = _site_hook()
    markdown = "## What you will be able to do\n\n- [ ] Compute an [SVD](x.md) by hand\n"
    for url in (TOPIC, "fundamentals/linear-algebra-renamed/"):
        page = SimpleNamespace(meta={"kind": "topic", "id": TOPIC_ID}, url=url)
        marked = hook._mark_task_items(markdown, hook._progress_scope(page))
        assert f'data-key="{TOPIC_ID}/compute-an-svd-by-hand"' in marked, marked
    other = SimpleNamespace(meta={}, url="progress/")
    assert hook._progress_scope(other) == "progress"


def test_a_reworded_item_keeps_its_key_with_a_marker():
    """An item ending with a key marker keeps that key; the marker itself is not shown."""
    hook = _site_hook()
    reworded = ("- [ ] Compute a singular value decomposition\n"
                "      by hand <!-- key: compute-an-svd-by-hand -->\n")
    assert catalogue.task_items(reworded) == [(1, "compute-an-svd-by-hand")]
    assert catalogue.check_task_keys(reworded) == []
    marked = hook._mark_task_items(reworded, TOPIC_ID)
    assert "<!--" not in marked
    assert marked.endswith(f'by hand <span class="progress-key" '
                           f'data-key="{TOPIC_ID}/compute-an-svd-by-hand"></span>\n'), marked
    clash = "- [ ] Compute an SVD by hand\n" + reworded
    assert catalogue.check_task_keys(clash) == [
        "checklist key 'compute-an-svd-by-hand' is given to more than one item"]
    for bad in ("<!-- key: Compute An SVD -->", "<!--key: compute-an-svd-->"):
        problems = catalogue.check_task_keys(f"- [ ] Compute an SVD by hand {bad}\n")
        assert problems and "key marker" in problems[0], bad
    assert catalogue.check_task_keys("- [ ] Compute an SVD by hand\n") == []


PROGRESS_KEYS = ROOT / "tests" / "progress_keys.txt"


def test_no_checklist_key_that_learners_may_have_ticked_is_lost(site):
    """Saved ticks are found by key: a key that changes, because an item was reworded, would
    silently drop every learner's tick on that item."""
    recorded = {line for line in PROGRESS_KEYS.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")}
    built = {key for path in site.rglob("*.html")
             for key in re.findall(r'data-progress="([^"]+)"', path.read_text(encoding="utf-8"))}
    gone = sorted(recorded - built)
    assert not gone, (
        "these checklist keys are gone, with every tick learners gave them. To reword an item, "
        "end it with '<!-- key: OLD-KEY -->' (the key after the last '/'); if you removed it on "
        f"purpose, delete its line from {PROGRESS_KEYS.relative_to(ROOT)}:\n" + "\n".join(gone))
    new = sorted(built - recorded)
    assert not new, f"add these new checklist keys to {PROGRESS_KEYS.relative_to(ROOT)}:\n" \
        + "\n".join(new)


def test_every_checklist_item_is_keyed_and_matches_the_roadmap(site, cat):
    """Every checkbox of every page carries its key, and a topic page's keys are exactly those the
    roadmap counts: else ticking a whole checklist would never make the topic done on home."""
    data = re.search(r'id="roadmap-data" hidden data-roadmap="([^"]*)"',
                     (site / "index.html").read_text(encoding="utf-8"))
    roadmap = {t["id"]: t["items"] for t in json.loads(html.unescape(data.group(1)))["topics"]}
    assert sorted(roadmap) == sorted(t.meta["id"] for t in cat.topics)
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        unkeyed = re.findall(r'<input type="checkbox"(?![^>]*data-progress)[^>]*>',
                             text.split('class="md-content"', 1)[-1])
        assert not unkeyed, f"{path.relative_to(site)}: checklist items without a key: {unkeyed[:2]}"
    for t in cat.topics:
        text = (site / t.url / "index.html").read_text(encoding="utf-8")
        keys = re.findall(r'data-progress="([^"]+)"', text)
        assert keys and keys == roadmap[t.meta["id"]], t.src
        assert len(set(keys)) == len(keys), f"{t.src}: two items share a key"


FOCUS_RING = """e => {
    const ring = s => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                      || s.boxShadow !== 'none';
    const drawn = e.matches('.task-list-control input')
        ? getComputedStyle(e.nextElementSibling, '::before')   // Material draws the box
        : getComputedStyle(e.closest('.topic-status__choice') || e);
    return ring(drawn);
}"""


def tab_to(page, selector: str, limit: int = 150):
    """Press Tab until the focus is on `selector`, as a keyboard user does; the focus must show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            assert page.evaluate(f"({FOCUS_RING})(document.activeElement)"), \
                f"no visible focus on {selector}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_reaches_and_operates_every_progress_control(page, served_site):
    page.goto(served_site + TOPIC)
    # The status choices: one tab stop, arrows move between them (a radio group).
    tab_to(page, f"input[name='status-{TOPIC_ID}']")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert stored(page)["topics"] == {TOPIC_ID: "done"}
    assert page.locator(".topic-status").get_attribute("data-status") == "done"
    tab_to(page, "input[data-progress]")
    page.keyboard.press("Space")
    assert boxes(page).nth(0).is_checked()
    assert list(stored(page)["items"]) == [boxes(page).nth(0).get_attribute("data-progress")]

    page.goto(served_site + "progress/")
    tab_to(page, ".progress-tools__buttons > button.md-button--primary")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert json.loads(open(download.value.path()).read())["topics"] == {TOPIC_ID: "done"}
    # Enter and Space on Import each open the file dialog once, as the learner's own action
    # (a browser shows the dialog for no other). The dialog itself is kept shut here.
    tab_to(page, ".progress-tools__import")
    page.evaluate("""() => { window.dialogs = [];
        document.getElementById('progress-import').addEventListener('click', e => {
            window.dialogs.push(navigator.userActivation.isActive); e.preventDefault(); }); }""")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert page.evaluate("window.dialogs") == [True, True]
    tab_to(page, ".progress-tools__buttons > button:not(.md-button--primary)")
    page.keyboard.press("Enter")
    # The confirmation takes the focus, on its safe choice.
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Yes, erase everything"
    page.keyboard.press("Enter")
    assert stored(page) == {"version": 1, "items": {}, "topics": {}}


def test_ticks_follow_their_items_when_a_page_is_reordered(browser, tmp_path):
    project = copy_project(tmp_path / "project")
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
    requests = []
    tab.on("request", lambda r: requests.append(r.url))
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
    outside = [u for u in requests if not u.startswith((f"http://127.0.0.1:{port}/", "data:", "blob:"))]
    assert outside == [], f"requests left 127.0.0.1: {outside}"


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
    for path in ["", "fundamentals/", TOPIC, "notebooks/mathematics-and-statistics/", "progress/"]:
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


def test_progress_bars_count_the_topics_of_the_front_matter(page, served_site, cat):
    """Done by ticks or by hand counts; skipped, in progress or partly ticked does not. Every
    bar's total is the number of topics the front matter puts in the phase."""
    ticked = [t.meta["id"] for t in cat.topics if t.meta["phase"] == 2][0]
    partly = [t.meta["id"] for t in cat.topics if t.meta["phase"] == 3][0]
    first, second = [t.meta["id"] for t in cat.phase_topics(1)][:2]
    seed(page, {"version": 1,
                "items": {k: True for k in item_keys(cat, ticked) + item_keys(cat, partly)[:1]},
                "topics": {first: "done", second: "skipped", partly: "in-progress"}})
    done = {1: 1, 2: 1, 3: 0}

    def bar_of(scope, label):
        bar = scope.locator(".progress-bar", has_text=label)
        meter = bar.locator("[role=progressbar]")
        return (bar.locator(".progress-bar__count").inner_text(),
                meter.get_attribute("aria-valuenow"), meter.get_attribute("aria-valuemax"))

    page.goto(served_site)
    total = len(cat.topics)
    assert bar_of(page, "All topics") == (f"2 of {total} topics done", "2", str(total))
    for number, phase in sorted(cat.phases.items()):
        n = len(cat.phase_topics(number))
        expected = (f"{done[number]} of {n} topics done", str(done[number]), str(n))
        assert bar_of(page, phase.meta["title"]) == expected
        page.goto(served_site + phase.url)
        assert page.locator(".progress-bar").count() == 1
        assert bar_of(page, phase.meta["title"]) == expected
        page.goto(served_site)


ROADMAP_STATE = {"mathematics-and-statistics": "done", "programming": "in-progress",
                 "machine-learning": "skipped"}


@pytest.mark.parametrize("page", ["light", "dark"], indirect=True)
def test_roadmap_nodes_link_to_their_pages_and_show_status_without_colour(page, served_site, cat,
                                                                          request):
    seed(page, {"version": 1, "items": {}, "topics": ROADMAP_STATE})
    page.goto(served_site)
    scheme = {"light": "default", "dark": "slate"}[request.node.callspec.params["page"]]
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme
    scroll_to(page, ".mermaid-diagram")
    page.wait_for_function(f"""document.querySelectorAll(".mermaid-diagram g.node[data-status]")
                               .length === {len(cat.topics)}""", timeout=20000)
    nodes = page.evaluate("""() => [...document.querySelectorAll('.mermaid-diagram .node-status')]
        .map(slot => {
            const node = slot.closest('g.node'), link = node.closest('a');
            const shape = getComputedStyle(node.querySelector('rect, polygon, path'));
            const label = slot.closest('foreignObject');
            return {id: slot.dataset.topic, status: node.dataset.status, icon: slot.textContent.trim(),
                    href: link && (link.getAttribute('href') || link.getAttribute('xlink:href')),
                    pattern: [shape.strokeDasharray, shape.strokeWidth, getComputedStyle(node).opacity],
                    colour: shape.stroke,
                    fits: label.firstElementChild.scrollWidth <= Math.ceil(+label.getAttribute('width'))};
        })""")
    assert sorted(n["id"] for n in nodes) == sorted(t.meta["id"] for t in cat.topics)
    looks = {}
    for n in nodes:
        topic = cat.topic(n["id"])
        assert n["href"] and n["href"].endswith("/" + topic.url), (n["id"], n["href"])
        assert n["status"] == ROADMAP_STATE.get(n["id"], "not-started"), n
        assert n["fits"], f"{n['id']}: the label is wider than its node"
        looks.setdefault(n["status"], set()).add((n["icon"], tuple(n["pattern"]), n["colour"]))
    # Each status has one look; the four differ in icon and in border pattern, not only colour.
    assert all(len(v) == 1 for v in looks.values()), looks
    looks = {status: v.pop() for status, v in looks.items()}
    assert len(looks) == 4
    assert len({icon for icon, _, _ in looks.values()}) == 4, looks
    assert len({pattern for _, pattern, _ in looks.values()}) == 4, looks
    # And the link a screen reader announces says the status in words.
    label = page.locator(f".mermaid-diagram a:has(.node-status[data-topic='{TOPIC_ID}'])")
    assert label.get_attribute("aria-label").endswith(": Done")


def test_next_up_suggests_topics_whose_prerequisites_are_done(page, served_site, cat):
    done = {"mathematics-and-statistics", "programming", "machine-learning", "neural-networks"}
    ready = [t for t in cat.topics if t.meta["id"] not in done
             and all(p in done for p in t.meta["prerequisites"])]
    assert len(ready) >= 2, "the chosen topics should open at least two others"
    started = ready[-1].meta["id"]
    seed(page, {"version": 1, "items": {item_keys(cat, started)[0]: True},
                "topics": {t: "done" for t in done}})
    for path in ("", "progress/"):
        page.goto(served_site + path)
        hrefs = page.locator(".progress-widget[data-widget=next] .next-up a").evaluate_all(
            "els => els.map(e => new URL(e.getAttribute('href'), location.href).pathname)")
        suggested = [t.meta["id"] for h in hrefs for t in cat.topics if h == "/" + t.url]
        assert len(suggested) == len(hrefs) == min(3, len(ready)), hrefs
        assert set(suggested) <= {t.meta["id"] for t in ready}, suggested
        # A topic already begun comes first.
        assert suggested[0] == started, suggested


def test_glossary_tooltips_on_a_topic_page(page, served_site, cat):
    terms = catalogue.glossary()
    page.goto(served_site + TOPIC)
    abbrs = page.locator("article abbr[title]")
    assert abbrs.count() > 0
    found = abbrs.evaluate_all("els => els.map(e => [e.textContent, e.title, e.tabIndex])")
    assert all(terms.get(term) == title for term, title, _ in found), found
    marked = [term for term, _, _ in found]
    assert len(marked) == len(set(marked)), f"a term is marked where the page first uses it only: {marked}"
    # Hovering shows the definition in the theme's tooltip.
    first = abbrs.first
    term, definition = found[0][:2]
    first.scroll_into_view_if_needed()
    first.hover()
    tip = page.locator(".md-tooltip2--active", has_text=definition)
    tip.wait_for(timeout=5000)
    page.mouse.move(0, 0)
    tip.wait_for(state="detached", timeout=5000)
    # The keyboard reaches the first use of each term, and focusing it shows the same tooltip.
    focusable = [t for t, _, index in found if index == 0]
    assert sorted(focusable) == sorted({t for t, _, _ in found}), focusable
    tab_to(page, "article abbr")
    focused = page.evaluate("document.activeElement.textContent")
    page.locator(".md-tooltip2--active", has_text=terms[focused]).wait_for(timeout=5000)

    # Notebook pages too: terms in the prose of Markdown cells, never in code, links or math.
    page.goto(served_site + "notebooks/variational-autoencoders/")
    scroll_through(page)
    page.locator(".jp-RenderedMarkdown .katex").first.wait_for(timeout=20000)
    abbrs = page.locator("article abbr[title]")
    found = abbrs.evaluate_all("els => els.map(e => [e.textContent, e.title])")
    assert len(found) >= 3 and all(terms.get(term) == title for term, title in found), found
    assert abbrs.evaluate_all("""els => els.every(e => e.closest('.jp-RenderedMarkdown')
                                 && !e.closest('pre, code, a, h1, h2, h3, .katex'))""")
    assert page.locator(".katex-error").count() == 0, "the terms broke no formula"
    abbrs.first.scroll_into_view_if_needed()
    abbrs.first.hover()
    page.locator(".md-tooltip2--active", has_text=found[0][1]).wait_for(timeout=5000)

    page.goto(served_site + "glossary/")
    listed = page.locator("article dt").all_inner_texts()
    assert sorted(listed) == sorted(terms), "every term of includes/glossary.md, once"
    for t in cat.topics:
        for term in t.meta.get("glossary", []):
            entry = page.locator("article dt", has_text=re.compile(rf"^{re.escape(term)}$")) \
                .locator("xpath=following-sibling::dd[1]")
            assert entry.locator(f"a[href$='{t.url}']").count() == 1, (term, t.src)


# One page of every kind: home, phase, overview, topic, notebook, progress, glossary; and a
# topic with content tabs, highlighted code and a comparison table with row headers.
AXE_PAGES = ["", "fundamentals/", "generative-ai/generative-models/", TOPIC,
             "notebooks/mathematics-and-statistics/", "progress/", "glossary/",
             "fundamentals/deep-learning-frameworks/"]


@pytest.mark.parametrize("page", ["light", "dark"], indirect=True)
def test_axe_finds_no_serious_violations(page, served_site, request):
    scheme = {"light": "default", "dark": "slate"}[request.node.callspec.params["page"]]
    found = []
    for path in AXE_PAGES:
        page.goto(served_site + path)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme
        scroll_through(page)  # math and diagrams are drawn as they come into view
        page.wait_for_timeout(1000)
        settle(page)
        page.add_script_tag(path=str(AXE))
        runs = [(None, None)]
        if path == "progress/":
            # A focused button changes colours: its text must stay readable too.
            runs.append((".progress-tools", ".progress-tools__import"))
        for context, focus in runs:
            if focus:
                page.focus(focus)
                settle(page)
            result = page.evaluate("c => axe.run(c || document, {resultTypes: ['violations']})", context)
            for v in result["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"][:3]]
                    found.append(f"/{path}{' ' + focus + ' focused' if focus else ''}: "
                                 f"{v['id']} ({v['impact']}): {v['help']} {targets}")
    assert not found, "\n".join(found)


def settle(page) -> None:
    """Let transitions end: the theme's back-to-top button fades in and out as the page scrolls,
    and a button's colours change over a moment when it takes the focus; half way, either would
    fail a contrast check that it passes once settled."""
    page.wait_for_function("""document.getAnimations().filter(a =>
        a.playState === 'running' && a.effect.getTiming().iterations !== Infinity).length === 0""")
