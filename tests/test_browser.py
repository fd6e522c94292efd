"""A real browser (Debian's chromium, driven by playwright) on the built site, served on
127.0.0.1: navigation, search, math, Mermaid, notebook images, and no request to any other host."""

from __future__ import annotations

from conftest import at, scroll_through, scroll_to

TOPIC = "fundamentals/mathematics-and-statistics/"
NOTEBOOK = "notebooks/mathematics-and-statistics/"


def test_home_draws_the_roadmap_and_navigates(page, served_site):
    page.goto(served_site)
    assert page.locator(".md-tabs__link").count() >= 4
    # Diagrams are drawn when they come near the viewport.
    scroll_to(page, ".mermaid-diagram")
    diagram = page.locator(".mermaid-diagram svg")
    diagram.first.wait_for(timeout=20000)
    assert diagram.locator("a").count() >= 1, "roadmap nodes link to their pages"
    page.locator(".md-tabs__link", has_text="Fundamentals").click()
    page.wait_for_url(at(f"{served_site}fundamentals/"))
    page.locator("article a[href$='mathematics-and-statistics/']").first.click()
    page.wait_for_url(at(f"{served_site}{TOPIC}"))
    # Instant navigation updates the URL first, then swaps the content in.
    page.locator("article h1", has_text="Mathematics").wait_for(timeout=10000)


def test_topic_page_renders_math_and_links_its_notebook(page, served_site):
    page.goto(served_site + TOPIC, wait_until="load")
    # Math is typeset as it comes near the viewport: far below, it is still source.
    assert page.locator(".arithmatex").count() >= 50
    assert page.locator(".arithmatex .katex").count() < page.locator(".arithmatex").count()
    scroll_through(page)
    # All of it once read through, except inside closed self-check answers (typeset on opening).
    page.wait_for_function("""[...document.querySelectorAll('.arithmatex')]
        .every(e => e.querySelector('.katex') || e.closest('details:not([open])'))""",
                           timeout=20000)
    answer = page.locator("details:has(.arithmatex)").first
    answer.locator("summary").click()
    answer.locator(".katex").first.wait_for(timeout=10000)
    assert page.locator(".task-list-item input[type=checkbox]").count() >= 5
    colab = page.locator("article a[href^='https://colab.research.google.com/github/']")
    assert colab.count() >= 1
    page.locator(f"article a[href$='{NOTEBOOK}']").first.click()
    page.wait_for_url(at(served_site + NOTEBOOK))
    # Instant navigation swapped the content: math must still render on the new page.
    scroll_through(page)
    page.locator(".jp-RenderedMarkdown .katex").first.wait_for(timeout=20000)


def test_sections_far_below_are_drawn_as_they_come_near(page, served_site):
    page.goto(served_site + TOPIC)
    boxes = page.locator("article .section-body")
    assert boxes.count() >= 10
    drawn = "e => e.checkVisibility({contentVisibilityAuto: true})"
    # At the top of the page, the browser skips the contents of the last sections...
    assert not boxes.last.locator(":scope > *").first.evaluate(drawn)
    # ...and the table of contents takes a reader to them, heading at the top, text drawn.
    heading = boxes.last.evaluate("e => e.previousElementSibling.id")
    page.locator(f".md-sidebar--secondary a[href$='#{heading}']").click()
    page.wait_for_function("""id => { const top = document.getElementById(id)
                                        .getBoundingClientRect().top;
                                      return top >= 0 && top < 150 }""", arg=heading,
                           timeout=5000)
    assert boxes.last.locator(":scope > *").first.evaluate(drawn)


def test_notebook_page_shows_outputs_and_images(page, served_site):
    page.goto(served_site + NOTEBOOK)
    images = page.locator(".jp-OutputArea-output img")
    images.first.wait_for(timeout=20000)
    assert images.count() >= 3
    # Figures are files loaded lazily, with their size set so nothing shifts: scroll to each.
    assert images.evaluate_all("els => els.every(e => e.loading === 'lazy' && e.width > 0)")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("""[...document.querySelectorAll('.jp-OutputArea-output img')]
                              .every(e => e.complete)""", timeout=20000)
    widths = images.evaluate_all("els => els.map(e => e.complete ? e.naturalWidth : -1)")
    assert all(w > 0 for w in widths), f"images failed to load: {widths}"
    # Each code cell's copy button copies exactly the code the cell shows.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_site)
    cell = page.locator(".jp-CodeCell .highlight-ipynb").nth(2)
    cell.scroll_into_view_if_needed()
    cell.locator("xpath=..").locator(".md-clipboard").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied and copied == cell.inner_text().rstrip()
    badge = page.locator(".jupyter-wrapper a[href^='https://colab.research.google.com/github/'] img")
    assert badge.first.evaluate("e => e.naturalWidth") > 0, "the Colab badge is served locally"


def test_search_finds_the_topic_and_its_notebook(page, served_site):
    page.goto(served_site)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Typed key by key, as a learner does: the theme searches on keystrokes.
    page.keyboard.type("singular value decomposition", delay=20)
    results = page.locator(".md-search-result__link")
    results.first.wait_for(timeout=20000)
    hrefs = results.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any(TOPIC in h for h in hrefs), hrefs
    assert any(NOTEBOOK in h for h in hrefs), hrefs
