"""Size budgets that do not depend on the machine: what a first visit of each page transfers
(gzip-compressed, as a static host serves it), how many requests it makes, and the size of the
search index, which must still find every page by the words it contains."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import catalogue

# First visit of a page, before any lazy loading (math, diagrams, figures below the fold).
TOPIC_PAGE_BYTES = 500_000
NOTEBOOK_PAGE_BYTES = 1_500_000  # with every figure loaded
NOTEBOOK_PAGE_HTML_BYTES = 150 * 1024  # the page's own HTML, uncompressed
MAX_REQUESTS = 15
SEARCH_INDEX_BYTES = 1_000_000
FINDABLE = 0.97

# The site's hook, loaded under another name (`site` is also a standard-library module).
_spec = importlib.util.spec_from_file_location("site_hook", catalogue.ROOT / "hooks" / "site.py")
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)


class Resources(HTMLParser):
    """What a page loads at once (stylesheets, scripts, eager images, icons) and what it loads
    lazily (images with loading=lazy)."""

    def __init__(self):
        super().__init__()
        self.eager, self.lazy = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") in ("stylesheet", "icon") and a.get("href"):
            self.eager.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.eager.append(a["src"])
        elif tag == "img" and a.get("src") and not a["src"].startswith("data:"):
            (self.lazy if a.get("loading") == "lazy" else self.eager).append(a["src"])


@cache
def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def local(site: Path, page: Path, url: str) -> Path:
    base = "/" + page.parent.relative_to(site).as_posix() + "/"
    return site / urlsplit(urljoin(base, url)).path.lstrip("/")


def transfer(site: Path, page: Path, lazy_too: bool = False) -> tuple[int, int]:
    parser = Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    urls = parser.eager + (parser.lazy if lazy_too else [])
    files = [page] + [local(site, page, u) for u in urls]
    missing = [f for f in files if not f.exists()]
    assert not missing, f"{page}: missing {missing}"
    return sum(gzipped(f) for f in files), len(files)


def pages(site: Path, prefix: str) -> list[Path]:
    return sorted(p for p in site.glob(f"{prefix}*/**/index.html"))


def test_topic_and_landing_pages_stay_light(site):
    found = []
    for page in [site / "index.html", *pages(site, "")]:
        if "notebooks" in page.parts or "assets" in page.parts:
            continue
        size, requests = transfer(site, page)
        if size > TOPIC_PAGE_BYTES or requests > MAX_REQUESTS:
            found.append(f"{page.relative_to(site)}: {size} bytes, {requests} requests")
    assert not found, "\n".join(found)


def test_notebook_pages_stay_light_with_all_their_figures(site):
    found = []
    for page in pages(site, "notebooks/"):
        size, _ = transfer(site, page, lazy_too=True)
        _, requests = transfer(site, page)
        if size > NOTEBOOK_PAGE_BYTES or requests > MAX_REQUESTS:
            found.append(f"{page.relative_to(site)}: {size} bytes, {requests} eager requests")
    assert not found, "\n".join(found)


def test_notebook_pages_own_html_stays_within_150_kb(site):
    """Most of a notebook page is the notebook's code: a notebook that outgrows this needs
    tightening (or splitting into parts), not a larger budget."""
    found = [f"{page.relative_to(site)}: {page.stat().st_size} bytes"
             for page in pages(site, "notebooks/") if page.stat().st_size > NOTEBOOK_PAGE_HTML_BYTES]
    assert not found, "\n".join(found)


def test_search_index_is_small(site):
    size = (site / "search" / "search_index.json").stat().st_size
    assert size <= SEARCH_INDEX_BYTES, f"search index {size} bytes"


WORD = re.compile(r"[A-Za-z]{4,}")  # what a reader types: hyphens and apostrophes split words


def prose_words(markdown: str) -> set[str]:
    """Distinct words of a page's prose: no front matter, math, code, links' targets or HTML."""
    text = catalogue.split_front_matter(markdown)[1]
    for pattern in (r"```.*?```", r"\$\$.*?\$\$", r"\$[^$\n]*\$", r"`[^`\n]*`", r"<[^>]+>",
                    r"\]\([^)]*\)", r"https?://\S+", r"^\*\[[^\]]*\]:.*$",
                    r"^\s*[!?]{3}\+? \w+", r"\\[A-Za-z]+"):
        text = re.sub(pattern, " ", text, flags=re.S | re.M)
    return {w.lower() for w in WORD.findall(text)} - hook.STOP_WORDS


def test_search_finds_every_topic_by_the_words_of_its_prose(site, cat):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_page: dict[str, set[str]] = {}
    for doc in index["docs"]:
        words = re.findall(r"[a-z0-9]+", (doc["title"] + " " + doc["text"]).lower())
        by_page.setdefault(doc["location"].split("#")[0], set()).update(words)
    for topic in cat.topics:
        words = prose_words((catalogue.DOCS / topic.src).read_text(encoding="utf-8"))
        indexed = by_page.get(topic.url, set())
        missing = sorted(words - indexed)
        assert len(missing) <= (1 - FINDABLE) * len(words), \
            f"{topic.src}: {len(missing)} of {len(words)} words not searchable, e.g. {missing[:15]}"


def test_compacted_text_keeps_the_opening_and_every_word_once():
    text = ("<p>Attention weighs values by query-key similarity. " * 3 + "</p><pre>x = softmax(q @ k.T)"
            " / 8.0 \\frac{a}{b}</pre><p>Values, values and more VALUES, then attention again.</p>")
    compact = hook.compact_search_text(text, head=60)
    assert compact.startswith("Attention weighs values by query-key similarity.")
    tail = compact.split(" … ", 1)[1].split()
    assert len(tail) == len(set(tail)), "each word once"
    assert "softmax" in tail and "x" not in tail, "code split into words; one-letter names go"
    assert "8" not in tail and "<p>" not in compact and "\\frac" not in compact
    assert "values" not in tail, "already in the opening"
    assert hook.compact_search_text("<p>Short.</p>") == "Short."


def test_the_indexer_reads_code_but_not_outputs_and_the_page_keeps_both():
    class Page:
        content = ('<h2 id="a">Train</h2><div class="highlight"><pre><span class="n">model</span>'
                   '<span class="o">.</span><span class="n">fit</span>()</pre></div>'
                   '<pre data-search-exclude>epoch 1 loss 0.93</pre>'
                   '<table data-search-exclude><tr><td>0.93</td></tr></table><p>Done.</p>')
    page, original = Page(), Page.content
    hook._show_search_the_text({}, page, None, None)
    assert "model.fit()" in page.content, "code text kept, highlighting markup dropped"
    assert "loss" not in page.content and "0.93" not in page.content, "outputs left out"
    assert "<pre data-search-exclude></pre>" in page.content and "Done." in page.content
    hook._restore_the_page({}, page, None, None)
    assert page.content == original.replace(" data-search-exclude", ""), "the page itself is whole"


def test_pages_start_without_a_restyle_of_every_element_for_the_colour_scheme(site, tmp_path,
                                                                              caplog):
    """The theme's rule on every element while the scheme switches is gone from the built
    stylesheet; if the theme changes that rule, the build says so instead of keeping it."""
    import material

    theme = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    shipped = [p.read_text(encoding="utf-8") for p in theme.glob("palette.*.min.css")]
    assert shipped and all(hook.COLOUR_SWITCHING_RULE in css for css in shipped)
    built = list((site / "assets" / "stylesheets").glob("palette.*.min.css"))
    assert built and all("data-md-color-switching" not in p.read_text(encoding="utf-8")
                         for p in built)

    sheet = tmp_path / "assets" / "stylesheets" / "palette.0.min.css"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("[data-md-color-switching] *{transition:none}", encoding="utf-8")
    with caplog.at_level("WARNING"):
        hook._drop_colour_switching_rule(str(tmp_path))
    assert "update COLOUR_SWITCHING_RULE" in caplog.text


def test_sections_below_a_pages_opening_are_boxed_to_be_drawn_when_near():
    html = ("<h1>T</h1>\n<p>lead</p>\n<h2>A</h2>\n<p>first screen</p>\n"
            "<h2>B</h2>\n<p>one</p>\n<ul>\n<li>two</li>\n</ul>\n"
            "<h3>C</h3>\n<div class=\"highlight\"><pre><code>x</code></pre></div>\n"
            "<h2>D</h2>\n<div class=\"admonition\"><h3>inside</h3><p>q</p></div>\n<hr>\n<p>d</p>\n"
            "<h2>E</h2>\n<p>last</p>\n")
    assert hook._box_sections_below_the_opening(html) == (
        "<h1>T</h1>\n<p>lead</p>\n<h2>A</h2>\n<p>first screen</p>\n"
        '<h2>B</h2>\n<div class="section-body"><p>one</p>\n<ul>\n<li>two</li>\n</ul></div>\n'
        # Code is measured by the theme as the page loads: its section is left as it is.
        "<h3>C</h3>\n<div class=\"highlight\"><pre><code>x</code></pre></div>\n"
        '<h2>D</h2>\n<div class="section-body"><div class="admonition"><h3>inside</h3><p>q</p>'
        "</div>\n<hr>\n<p>d</p></div>\n"
        # The last section stays drawn: a long one would overflow its box onto the footer.
        "<h2>E</h2>\n<p>last</p>\n")
    assert hook._box_sections_below_the_opening("<h1>T</h1><h2>A</h2><p>x</p>") \
        == "<h1>T</h1><h2>A</h2><p>x</p>", "a page with one section has only its opening"


def test_long_pages_box_their_sections_and_keep_their_headings_outside(site, cat):
    for topic in cat.topics:
        html = (site / topic.url / "index.html").read_text(encoding="utf-8")
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        boxes = article.count('<div class="section-body">')
        assert boxes >= 2, (topic.src, boxes)
        assert not re.search(r'<div class="section-body">\s*<h[1-6]', article), topic.src
