"""The built site: links and anchors resolve, Colab links point at real notebooks, and no
page refers to a third-party host for anything it loads."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import catalogue
import notebook_cache
from conftest import MKDOCS, build, copy_project

NOTEBOOK_CSS = "assets/stylesheets/notebook.css"
COLAB = re.compile(r"^https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/([^/]+)/(.+)$")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []   # (attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(("href", attrs["href"]))
        if tag in ("img", "script", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.links.append(("src", attrs["src"]))
        loaded = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
        if tag == "link" and attrs.get("href") and loaded & set((attrs.get("rel") or "").split()):
            self.links.append(("load", attrs["href"]))


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def _target(site: Path, page: Path, href: str) -> tuple[Path, str]:
    base = "/" + page.relative_to(site).as_posix()
    url = urlsplit(urljoin(base, href))
    path = site / unquote(url.path).lstrip("/")
    if url.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(url.fragment)


def test_every_internal_link_and_anchor_resolves(site):
    parsed = {p: _parse(p) for p in _pages(site)}
    broken = []
    for page, found in parsed.items():
        for _, value in found.links:
            if urlsplit(value).scheme or value.startswith(("//", "mailto:", "data:")):
                continue
            path, fragment = _target(site, page, value)
            name = page.relative_to(site)
            if not path.exists():
                broken.append(f"{name}: {value} -> missing {path.relative_to(site)}")
            elif fragment and path.suffix == ".html":
                ids = parsed[path].ids if path in parsed else _parse(path).ids
                if fragment not in ids:
                    broken.append(f"{name}: {value} -> no anchor #{fragment}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_notebook_pages_exist_for_every_notebook(site):
    for nb in sorted(catalogue.NOTEBOOKS.glob("*.ipynb")):
        page = site / "notebooks" / nb.stem / "index.html"
        assert page.exists(), f"{nb.name} has no page on the site"
        html = page.read_text(encoding="utf-8")
        assert "jp-Notebook" in html or "jupyter-wrapper" in html, f"{nb.name}: not rendered"
        assert "<style" not in html.split('class="jupyter-wrapper"')[-1], \
            f"{nb.name}: nbconvert's inline CSS should be in the shared stylesheet"
        # Outside the navigation the left sidebar would be empty: it is hidden for the width.
        assert re.search(r'class="md-sidebar md-sidebar--primary"[^>]*\bhidden>', html), nb.name
        # Figures and sounds are files beside the page (the link check finds them), not base64.
        assert "base64," not in html, f"{nb.name}: media left inline in the page"


CODE_CELL = re.compile(r'<div [^>]*class="highlight-ipynb[^"]*"><pre>(.*?)</pre>', re.S)


def test_each_page_marks_a_glossary_term_once(site):
    """The first use of a term on a page carries its tooltip, and takes the keyboard focus;
    later uses are plain text."""
    pages = 0
    for path in sorted(site.rglob("*.html")):
        found = re.findall(r'<abbr ([^>]*)>([^<]*)</abbr>', path.read_text(encoding="utf-8"))
        marked = [term for attributes, term in found if "title=" in attributes]
        repeated = sorted({term for term in marked if marked.count(term) > 1})
        assert not repeated, f"{path.relative_to(site)}: {repeated} marked more than once"
        assert all('tabindex="0"' in attributes for attributes, _ in found), path.relative_to(site)
        pages += bool(marked)
    assert pages >= 40, "most pages use some glossary term"


def test_openings_have_no_math(site):
    """Math is typeset after a page loads; in the lead, the typeset formula would move the lines
    a reader sees first (Lighthouse measured a layout shift of 0.36 on one such page). A topic
    page's objectives follow the lead, near enough to the first screen that one formula there
    makes the page fetch and run KaTeX while it starts (about 100 ms of blocking time)."""
    pages = {p: p.read_text(encoding="utf-8") for p in site.rglob("index.html")
             if "notebooks" not in p.parts}
    pages = {p: html for p, html in pages.items() if "<article" in html}
    assert len(pages) > 30
    objectives = 0
    for path, html in pages.items():
        lead, *sections = html.split("<article", 1)[1].split("<h2")
        assert "arithmatex" not in lead, f"{path.relative_to(site)}: math before the first section"
        if sections and sections[0].startswith(' id="what-you-will-be-able-to-do"'):
            objectives += 1
            assert "arithmatex" not in sections[0], \
                f"{path.relative_to(site)}: math in 'What you will be able to do'"
    assert objectives >= 25, "every topic page opens with its objectives"


def test_permalinks_are_named_without_a_tooltip(site):
    """A heading's permalink has a name for screen readers and no title: the theme would set up
    a tooltip for every title when the page loads, and a long page has dozens of headings."""
    links = [link for path in sorted(site.rglob("*.html"))
             for link in re.findall(r'<a class="headerlink"[^>]*>', path.read_text(encoding="utf-8"))]
    assert len(links) > 500
    assert all('aria-label="Permanent link"' in link and "title=" not in link for link in links)


PROVIDER = catalogue.PROVIDER_SOURCE.read_text(encoding="utf-8")
FOLDED = re.compile(r'<p class="notebook-folded"><a href="([^"]+)">')


def test_code_cells_show_their_source_exactly(site):
    """The hook thins the highlighting markup of code cells: the code they show stays the same.
    The provider cell is the exception: in its place is a link to the one copy the site shows."""
    folded_pages = 0
    for path in sorted(catalogue.NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        provider = [s for s in sources if s.rstrip() == PROVIDER.rstrip()]
        html = (site / "notebooks" / path.stem / "index.html").read_text(encoding="utf-8")
        shown = [unescape(re.sub(r"<[^>]+>", "", c)) for c in CODE_CELL.findall(html)]
        assert [s.rstrip() for s in shown] == [s.rstrip() for s in sources if s not in provider], path.name
        assert FOLDED.findall(html) == ["../../ai-agents/#the-provider-cell"] * len(provider), path.name
        assert "clipboard-copy" not in html, f"{path.name}: mkdocs-jupyter's copy button is left"
        folded_pages += bool(provider)
    assert folded_pages >= 9, "every Phase 3 notebook page links to the provider cell"
    phase = (site / "ai-agents" / "index.html").read_text(encoding="utf-8")
    section = phase[phase.index('id="the-provider-cell"'):]
    code = re.search(r"<code>(.*?)</code>", section, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", code)).rstrip() == PROVIDER.rstrip(), \
        "the Phase 3 page shows the provider cell as scripts/templates/provider.py has it"


def test_a_cold_build_fills_the_plugins_cache_with_what_the_plugin_would_write(tmp_path):
    """Notebooks converted in parallel land under mkdocs-jupyter's own cache key, with the
    content its own conversion gives, so the plugin takes them as cache hits."""
    from mkdocs.config import load_config
    from mkdocs_jupyter import convert, plugin

    jupyter = load_config(str(catalogue.ROOT / "mkdocs.yml")).plugins["mkdocs-jupyter"]
    options = jupyter.config
    options["cache_dir"] = str(tmp_path)
    jupyter.on_pre_build(None)  # as in a build, where the hook fills the cache after this event
    notebooks = sorted(catalogue.NOTEBOOKS.glob("*.ipynb"), key=lambda p: p.stat().st_size)[:2]
    assert notebook_cache.fill_cache(notebooks, jupyter) == 2
    assert notebook_cache.fill_cache(notebooks, jupyter) == 0, "a warm cache is left alone"
    assert len(jupyter._used_cache_paths) == 2, "so the plugin does not evict them"
    notebook_cache.use_quick_soup()
    for path in notebooks:
        key = plugin._compute_cache_key(str(path), options, options["execute"])
        cached = json.loads(plugin._get_cache_path(str(tmp_path), key).read_text(encoding="utf-8"))
        expected = convert.nb2html(str(path), execute=False, **{
            name: options[name] for name in notebook_cache.CONVERT_OPTIONS})
        assert cached["content"] == expected, path.name
        assert cached["title"] == plugin._get_nb_toc_tokens(str(path), options["toc_depth"])[1]


def test_a_dirty_rebuild_renders_the_edited_page_and_keeps_the_rest(tmp_path):
    """`make serve` rebuilds only the page that was saved (--dirty): strict mode still holds,
    and the shared notebook stylesheet and the notebook cache survive the partial build."""
    project = copy_project(tmp_path / "project", notebook_cache=True)
    out = tmp_path / "site"
    assert build(project, out).returncode == 0
    cache = project / ".cache" / "mkdocs-jupyter"
    stylesheet, cached = (out / NOTEBOOK_CSS).read_bytes(), sorted(cache.glob("*.json"))
    page = project / "docs" / "fundamentals" / "programming.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nzqeditedword\n", encoding="utf-8")
    result = subprocess.run([*MKDOCS, "build", "--strict", "--dirty", "-q", "-d", str(out)], cwd=project,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "zqeditedword" in (out / "fundamentals" / "programming" / "index.html").read_text(encoding="utf-8")
    assert (out / NOTEBOOK_CSS).read_bytes() == stylesheet
    assert sorted(cache.glob("*.json")) == cached and cached


def test_colab_links_point_at_existing_notebooks(site, config):
    slug = catalogue.github_slug(config["repo_url"])
    seen = 0
    for page in _pages(site):
        for _, value in _parse(page).links:
            match = COLAB.match(value)
            if not match:
                continue
            seen += 1
            repo, branch, path = match.groups()
            where = page.relative_to(site)
            assert repo == slug, f"{where}: Colab link names {repo}, not repo_url's {slug}"
            assert branch == config["extra"]["branch"], f"{where}: Colab link on branch {branch}"
            assert (catalogue.ROOT / unquote(path)).is_file(), f"{where}: {value} -> no such notebook"
    notebooks = len(list(catalogue.NOTEBOOKS.glob("*.ipynb")))
    assert seen >= 2 * notebooks, "each notebook should be offered in Colab from its topic and its own page"


def test_pages_never_name_the_repository_themselves(config):
    """GitHub and Colab links come from repo_url, so a fork that changes it changes them all."""
    slug = catalogue.github_slug(config["repo_url"])
    pages = sorted((catalogue.ROOT / "docs").rglob("*.md"))
    named = [p.relative_to(catalogue.ROOT).as_posix() for p in pages if slug in p.read_text(encoding="utf-8")]
    assert pages and not named, f"these pages write out {slug}: use the generated links instead"


def test_nothing_is_loaded_from_another_host(site):
    offenders = []
    for page in _pages(site):
        for attr, value in _parse(page).links:
            if attr in ("src", "load") and urlsplit(value).scheme in ("http", "https"):
                offenders.append(f"{page.relative_to(site)}: {value}")
    assert not offenders, "pages load from other hosts:\n" + "\n".join(offenders)


def test_edit_links_point_at_the_source_file(site, config):
    repo = config["repo_url"].rstrip("/")
    branch = config["extra"]["branch"]
    html = (site / "fundamentals" / "index.html").read_text(encoding="utf-8")
    assert f'{repo}/edit/{branch}/docs/fundamentals/index.md' in html
    for nb in sorted(catalogue.NOTEBOOKS.glob("*.ipynb"))[:1]:
        html = (site / "notebooks" / nb.stem / "index.html").read_text(encoding="utf-8")
        assert f"{repo}/edit/{branch}/notebooks/{nb.name}" in html


def test_notebook_pages_say_when_how_fast_and_with_what_outputs_were_made(site):
    """From the notebook's own metadata, written by `make notebooks`."""
    for path in sorted(catalogue.NOTEBOOKS.glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("roadmap", {})
        assert "executed" in meta, f"{path.name}: no run record; execute it with make notebooks"
        html = (site / "notebooks" / path.stem / "index.html").read_text(encoding="utf-8")
        line = re.search(r'<p class="notebook-freshness">(.*?)</p>', html, re.S)
        assert line, f"{path.name}: no freshness line under the title"
        text = line.group(1)
        assert f'datetime="{meta["executed"]}"' in text
        assert f'Python {meta["environment"]["python"]}' in text
        assert "seconds" in meta, f"{path.name}: run time not recorded; execute it with make notebooks"
        minutes, seconds = divmod(meta["seconds"], 60)
        assert f"in {minutes} min {seconds} s" in text if minutes else f"in {seconds} s" in text
        assert f"on a {meta['cores']}-core CPU" in text
        for name, version in meta["environment"]["libraries"].items():
            assert f"{name} {version}" in text, (path.name, name)


def test_scripts_wait_for_the_first_paint_and_keep_their_order(site):
    """The theme's bundle, then the site's scripts, all deferred: the text paints before they run."""
    for page in [site / "index.html", *sorted(site.glob("*/*/index.html"))[:20]]:
        html = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script src=\"([^\"]+)\"([^>]*)>", html)
        assert scripts, page
        assert all("defer" in attrs for _, attrs in scripts), f"{page}: {scripts}"
        names = [src.rsplit("/", 1)[-1] for src, _ in scripts]
        assert names[0].startswith("bundle.") and names[-2:] == ["site.js", "progress.js"], names
