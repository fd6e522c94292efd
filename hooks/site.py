"""MkDocs hook: adds the notebooks to the site and generates what front matter implies.

- `notebooks/*.ipynb` (outside docs/) become pages at /notebooks/<name>/.
- Front matter is checked against hooks/catalogue.py; every broken rule is a warning, so a
  strict build fails naming the file.
- Markers in pages are replaced by generated Markdown: the roadmap diagram and phase cards on
  the home page, the topic table on phase pages, prerequisite links and notebook links with
  Colab badges on topic pages.
- Checklist items get stable progress keys (topic id + the item's words), and topic, phase and
  home pages get the containers and data that overrides/assets/javascripts/progress.js fills.
- Notebook pages lose nbconvert's inline CSS (moved to one shared stylesheet) and its MathJax
  script; links in their Markdown cells to the site are made relative and checked.
- What slows a phone as a page opens: topic pages box their sections below the opening so the
  browser draws them only near the screen, and the theme's palette stylesheet loses a rule that
  restyled every element as each page started.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import posixpath
import re
import sys
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue  # noqa: E402
import notebook_cache  # noqa: E402

log = logging.getLogger("mkdocs.hooks.site")


def _dirty_notice_is_information(record: logging.LogRecord) -> bool:
    """`make serve` rebuilds only the edited page (`--dirty`). MkDocs warns that it does, and
    strict mode would abort on that warning: it is logged as information instead, so strict
    mode still stops at every real problem of the page being edited."""
    if record.getMessage().startswith("A 'dirty' build is being performed"):
        record.levelno, record.levelname = logging.INFO, "INFO"
    return True


_build_log = logging.getLogger("mkdocs.commands.build")
if not any(getattr(f, "__name__", "") == _dirty_notice_is_information.__name__
           for f in _build_log.filters):
    _build_log.addFilter(_dirty_notice_is_information)  # once, though serve reloads this hook

LEVEL_ICONS = {"beginner": "🟢", "intermediate": "🟡", "advanced": "🔴"}
NOTEBOOK_CSS = "assets/stylesheets/notebook.css"

_state: dict = {}


def on_config(config):
    branch = config.extra.get("branch", "main")
    # edit_uri follows repo_url + extra.branch, so the branch is named in one place only.
    config.edit_uri = f"edit/{branch}/docs/"
    _state.clear()
    notebook_cache.use_quick_soup()
    return config


@event_priority(100)  # before mkdocs-jupyter, which turns .ipynb files into pages
def on_files(files, config):
    root = Path(config.config_file_path).parent
    notebooks = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        problem = _notebook_problem(path)
        if problem:
            log.warning("notebooks/%s: %s", path.name, problem)
            continue
        notebooks.append(path)
        files.append(File(f"notebooks/{path.name}", src_dir=str(root),
                          dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls))
    if "mkdocs-jupyter" in config.plugins:
        converted = notebook_cache.fill_cache(notebooks, config.plugins["mkdocs-jupyter"])
        if converted:
            log.info("converted %d notebooks in parallel", converted)
    cat = catalogue.load(Path(config.docs_dir), root / "notebooks")
    for error in cat.errors:
        log.warning("roadmap: %s", error)
    _state["catalogue"] = cat
    _state["notebook_css"] = None
    _state["notebook_count"] = len(notebooks)
    _state["media"] = {}
    return files


def _notebook_problem(path: Path) -> str | None:
    """Why a committed notebook cannot be shown as it is (unreadable, or an error output)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"is not a readable notebook ({exc})"
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return (f"cell {index} has an error output ({output.get('ename')}: "
                        f"{output.get('evalue')}): fix it and run make notebooks")
    return None


# --- Generated Markdown ------------------------------------------------------------------------

def _rel(page, target_src: str) -> str:
    """Relative link from a page's Markdown to another page's source (MkDocs checks it)."""
    return posixpath.relpath(target_src, posixpath.dirname(page.file.src_uri) or ".")


def _hours(h: float) -> str:
    return f"{h:g} h"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _prerequisite_list(page, cat, meta) -> str:
    if not meta["prerequisites"]:
        return "None: this topic is a starting point."
    lines = []
    for pre in meta["prerequisites"]:
        other = cat.topic(pre)
        if other is not None:
            lines.append(f"- [{other.meta['title']}]({_rel(page, other.src)}): {other.meta['description']}")
    return "\n".join(lines)


def _notebook_link(page, config, nb: str) -> str:
    return (f"- **[{_notebook_title(config, nb)}]({_rel(page, nb)})** · "
            f"[:simple-googlecolab: Open in Colab]({catalogue.colab_url(config, nb)})")


def _notebook_list(page, config, meta) -> str:
    lines = [_notebook_link(page, config, nb) for nb in meta["notebooks"]]
    return ("Every notebook runs top to bottom on its own: on a laptop CPU in minutes, offline, or "
            "in Colab. Each ends with checks that prove what it taught.\n\n" + "\n".join(lines))


TOPIC_NOTEBOOKS = re.compile(r"<!-- notebooks: ([\w\s-]+?) -->")


def _notebooks_of(page, cat, config, topic_ids: list[str]) -> str:
    """The notebooks of the topics named, for a page that gathers several (a section overview)."""
    lines = []
    for topic_id in topic_ids:
        topic = cat.topic(topic_id)
        if topic is None:
            log.warning("%s: '<!-- notebooks: -->' names '%s', which is no topic's id",
                        page.file.src_uri, topic_id)
            continue
        lines += [_notebook_link(page, config, nb) for nb in topic.meta["notebooks"]]
    return "\n".join(lines)


def _notebook_title(config, nb: str) -> str:
    root = Path(config.config_file_path).parent
    cells = json.loads((root / nb).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells[:1]:
        source = "".join(cell.get("source", []))
        if source.startswith("# "):
            return source.splitlines()[0][2:].strip()
    return Path(nb).stem


def _phase_table(page, cat, phase: int) -> str:
    topics = cat.phase_topics(phase)
    if not topics:
        return ""
    rows = ["## Topics", "", "| Topic | What you get | Level | Time |", "| --- | --- | --- | --- |"]
    for t in topics:
        m = t.meta
        rows.append(f"| [{m['title']}]({_rel(page, t.src)}) | {m['description']} | "
                    f"{LEVEL_ICONS[m['level']]} {m['level']} | {_hours(m['hours'])} |")
    total = sum(t.meta["hours"] for t in topics)
    notebooks = sum(len(t.meta["notebooks"]) for t in topics)
    rows.insert(2, f"{_count(len(topics), 'topic')} · {_count(notebooks, 'notebook')} · "
                   f"about {_hours(total)} of study.\n")
    return "\n".join(rows)


def _mermaid_id(topic_id: str) -> str:
    return "t_" + topic_id.replace("-", "_")


def _roadmap_diagram(page, cat, config) -> str:
    """The roadmap as a Mermaid flowchart: phases, topics, prerequisite arrows, links."""
    lines = ["```mermaid", "flowchart TB"]
    base = config.site_url or "/"
    shown = [n for n in sorted(cat.phases) if cat.phase_topics(n)]
    for number in shown:
        lines.append(f'  subgraph p{number}["{_escape(cat.phases[number].meta["title"])}"]')
        for t in cat.phase_topics(number):
            # The status slot holds the "not started" icon at build time, so Mermaid sizes the
            # node with room for whichever icon progress.js puts there.
            slot = f"<span class='node-status' data-topic='{t.meta['id']}'>○ </span>"
            label = slot + _escape(t.meta["title"])
            lines.append(f'    {_mermaid_id(t.meta["id"])}["{label}"]')
        lines.append("  end")
    # Invisible links stack the phases in order, top to bottom.
    if len(shown) > 1:
        lines.append("  " + " ~~~ ".join(f"p{n}" for n in shown))
    for t in cat.topics:
        for pre in t.meta["prerequisites"]:
            lines.append(f"  {_mermaid_id(pre)} --> {_mermaid_id(t.meta['id'])}")
    for t in cat.topics:
        url = urlsplit(base).path.rstrip("/") + "/" + t.url
        lines.append(f'  click {_mermaid_id(t.meta["id"])} href "{url}" "{_escape(t.meta["description"])}"')
    lines.append("```")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace('"', "#quot;")


def _phase_cards(page, cat) -> str:
    cards = ['<div class="grid cards" markdown>', ""]
    for number, phase_page in sorted(cat.phases.items()):
        topics = cat.phase_topics(number)
        hours = sum(t.meta["hours"] for t in topics)
        cards.append(f"-   **[{phase_page.meta['title']}]({_rel(page, phase_page.src)})**")
        cards.append("")
        cards.append("    ---")
        cards.append("")
        cards.append(f"    {phase_page.meta['objective']}")
        cards.append("")
        if topics:
            cards.append(f"    *{_count(len(topics), 'topic')}, about {_hours(hours)}*")
            cards.append("")
    cards.append("</div>")
    return "\n".join(cards)


def _glossary(page, cat, config) -> str:
    """Every abbreviation of includes/glossary.md, with links to the topics that teach it."""
    terms = cat.glossary
    lines = []
    for term in sorted(terms, key=str.lower):
        teachers = [t for t in cat.topics if term in t.meta.get("glossary", [])]
        lines.append(f"{term}")
        lines.append(f":   {terms[term]}")
        if teachers:
            links = ", ".join(f"[{t.meta['title']}]({_rel(page, t.src)})" for t in teachers)
            lines.append("")
            lines.append(f"    Taught in: {links}")
        lines.append("")
    return "\n".join(lines)


def on_page_markdown(markdown, page, config, files):
    cat = _state.get("catalogue")
    if cat is None:
        return markdown
    meta = page.meta or {}
    if meta.get("kind") != "topic":  # the catalogue checks topic pages
        for problem in catalogue.check_task_keys(markdown):
            log.warning("%s: %s", page.file.src_uri, problem)
    markdown = _mark_task_items(markdown, _progress_scope(page))
    if meta.get("kind") == "topic":
        markdown = _insert_topic_status(markdown, meta["id"])
    if "<!-- progress" in markdown:
        markdown = _progress_widgets(markdown, page, cat, config)
    if "<!-- roadmap -->" in markdown:
        markdown = markdown.replace("<!-- roadmap -->", _roadmap_diagram(page, cat, config))
    if "<!-- glossary -->" in markdown:
        markdown = markdown.replace("<!-- glossary -->", _glossary(page, cat, config))
    markdown = TOPIC_NOTEBOOKS.sub(
        lambda m: _notebooks_of(page, cat, config, m.group(1).split()), markdown)
    if "<!-- phases -->" in markdown:
        markdown = markdown.replace("<!-- phases -->", _phase_cards(page, cat))
    if meta.get("kind") == "phase" and "<!-- phase-topics -->" in markdown:
        markdown = markdown.replace("<!-- phase-topics -->", _phase_table(page, cat, meta["phase"]))
    if meta.get("kind") == "topic" and cat.topic(meta.get("id", "")) is not None:
        markdown = markdown.replace(catalogue.PREREQUISITES_MARKER,
                                    _prerequisite_list(page, cat, meta))
        markdown = markdown.replace(catalogue.NOTEBOOKS_MARKER, _notebook_list(page, config, meta))
    return markdown


# --- Progress: checklist keys, status widgets, the data the browser script needs -------------

def _progress_scope(page) -> str:
    """Progress keys are scoped by the topic id (stable across renames), else by the page URL."""
    meta = page.meta or {}
    return meta["id"] if meta.get("kind") == "topic" and "id" in meta else page.url.strip("/") or "home"


def _mark_task_items(markdown: str, scope: str) -> str:
    """Tag each checklist item with its stable key, in place of its key marker if it has one;
    on_page_content moves the key onto the checkbox."""
    lines = markdown.split("\n")
    for number, slug in catalogue.task_items(markdown):
        lines[number] = catalogue.KEY_MARKER.sub("", lines[number].rstrip())
        lines[number] += f' <span class="progress-key" data-key="{scope}/{slug}"></span>'
    return "\n".join(lines)


TASK_ITEM_HTML = re.compile(
    r'<li class="task-list-item"><label class="task-list-control"><input type="checkbox"\s*/?>'
    r'(<span class="task-list-indicator"></span></label>)(.*?)'
    r' ?<span class="progress-key" data-key="([^"]+)"></span>', re.S)


def _key_checkboxes(html: str) -> str:
    def replace(match):
        label = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(2))).strip()
        return (f'<li class="task-list-item"><label class="task-list-control">'
                f'<input type="checkbox" data-progress="{match.group(3)}" aria-label="{label}"/>'
                f"{match.group(1)}{match.group(2)}")
    return TASK_ITEM_HTML.sub(replace, html)


def _insert_topic_status(markdown: str, topic_id: str) -> str:
    """The topic's status control (not started / in progress / done / skipped), filled by progress.js."""
    heading = "## What you will be able to do"
    widget = f'\n<div class="topic-status" data-topic="{topic_id}" markdown="0"></div>\n'
    return markdown.replace(heading, heading + "\n" + widget, 1)


def _roadmap_data(cat, page) -> str:
    """What progress.js needs to compute statuses: topics, their items, prerequisites, links."""
    data = {
        "phases": [{"phase": n, "title": p.meta["title"], "url": _page_relative(page, p.url) + "/"}
                   for n, p in sorted(cat.phases.items())],
        "topics": [{"id": t.meta["id"], "title": t.meta["title"], "phase": t.meta["phase"],
                    "url": _page_relative(page, t.url) + "/", "hours": t.meta["hours"],
                    "prerequisites": t.meta["prerequisites"],
                    "items": [f"{t.meta['id']}/{slug}" for _, slug in catalogue.task_items(t.body)]}
                   for t in cat.topics],
    }
    # An attribute, not a <script type="application/json">: Material's instant navigation
    # re-runs every script in the new page's content, and would run JSON as JavaScript.
    payload = escape(json.dumps(data, ensure_ascii=False, separators=(",", ":")), quote=True)
    return f'<div id="roadmap-data" hidden data-roadmap="{payload}"></div>'


def _progress_widgets(markdown: str, page, cat, config) -> str:
    """<!-- progress: all|N|next|tools --> markers become containers that progress.js fills."""
    def widget(match):
        kind = match.group(1)
        return f'<div class="progress-widget" data-widget="{kind}" markdown="0"></div>'
    markdown = re.sub(r"<!-- progress: (all|next|tools|[123]) -->", widget, markdown)
    return markdown + "\n\n" + _roadmap_data(cat, page) + "\n"


# --- Notebook pages ----------------------------------------------------------------------------

STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.S)
SCRIPT = re.compile(r"<script[^>]*>.*?</script>\s*", re.S)
HREF = re.compile(r'(<a\s[^>]*?href=")([^"]+)(")')
BADGE_IMAGES = {
    "https://colab.research.google.com/assets/colab-badge.svg": "assets/images/colab-badge.svg",
    "https://img.shields.io/badge/read-the%20lesson-673ab7": "assets/images/lesson-badge.svg",
}


def _is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def on_page_content(html, page, config, files):
    if "progress-key" in html:
        html = _key_checkboxes(html)
    if _is_notebook(page):
        html = _clean_notebook(html, page, config, files)
        html = html.replace("</h1>", "</h1>\n" + _freshness(page), 1)
        _align_toc(page, html)
        # Notebook pages sit outside the navigation, so the left sidebar would stay empty:
        # hiding it gives code cells and figures the width.
        page.meta["hide"] = [*page.meta.get("hide", []), "navigation"]
        # The edit/view actions open the notebook in notebooks/, not in docs/.
        repo = config.repo_url.rstrip("/")
        page.edit_url = f"{repo}/edit/{config.extra['branch']}/{page.file.src_uri}"
    else:
        html = COMPARISON_TABLE.sub(_row_headers, html)
        html = PLAIN_TOKEN.sub(r"\1", html)
        if (page.meta or {}).get("kind") == "topic":
            html = _box_sections_below_the_opening(html)
    html = html.replace('<a class="headerlink" ', '<a class="headerlink" aria-label="Permanent link" ')
    return _first_use_of_each_term(html)


class _TopLevel(HTMLParser):
    """Where each top-level element of an HTML fragment starts: (offset, tag) pairs."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.depth = 0
        self.starts: list[tuple[int, str]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        if tag not in self.VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            line, column = self.getpos()
            self.starts.append((self.line_starts[line - 1] + column, tag))

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.depth -= 1


HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# The theme measures code blocks and content tabs as a page loads, and diagrams are drawn when
# they come near the screen: a section holding one is left as it is.
MEASURED = re.compile(r'<pre\b|class="tabbed-set|mermaid')


def _box_sections_below_the_opening(html: str) -> str:
    """Puts what follows each heading of a topic page after its opening in a `section-body`
    box, which the browser styles and lays out only when it comes near the screen (site.css):
    a long page costs a phone little more to start than a short one. The opening (everything
    before the second `h2`, more than a phone's first screen) is left alone, so nothing a
    reader sees first moves as the page loads. Headings stay outside the boxes, so the table of
    contents finds them without drawing the sections between them. The home and phase pages
    are short and keep their progress dashboards drawn: text not yet drawn has no innerText.
    """
    starts = _TopLevel(html).starts
    h2 = [offset for offset, tag in starts if tag == "h2"]
    if len(h2) < 2:
        return html
    blocks = [(offset, tag) for offset, tag in starts if offset >= h2[1]]
    out, run = [html[:h2[1]]], []
    # Each top-level element, with the whitespace after it; a heading ends a run of blocks.
    for (offset, tag), (end, _) in zip(blocks, [*blocks[1:], (len(html), "")], strict=True):
        if tag in HEADING_TAGS:
            out.append(_section_body("".join(run)))
            out.append(html[offset:end])
            run = []
        else:
            run.append(html[offset:end])
    # The last section stays drawn. A box not drawn yet keeps its estimated height, and what it
    # holds can overflow it: at the end of a page, onto the dark footer, where Lighthouse
    # judged a link's contrast against the footer's background.
    out.append("".join(run))
    return "".join(out)


def _section_body(run: str) -> str:
    if not run.strip() or MEASURED.search(run):
        return run
    body = run.rstrip()
    return f'<div class="section-body">{body}</div>{run[len(body):]}'


GLOSSARY_TERM = re.compile(r'<abbr title="[^"]*">([^<]*)</abbr>')


def _first_use_of_each_term(html: str) -> str:
    """A glossary term shows its definition where a page first uses it, as a printed book
    defines a term once: later uses are plain text. Every tooltip costs the theme a component
    to set up when the page loads, and a page can use a term dozens of times. The first use
    takes the keyboard focus, which shows its tooltip."""
    seen: set[str] = set()

    def first(match):
        if match.group(1) in seen:
            return match.group(1)
        seen.add(match.group(1))
        return match.group(0).replace("<abbr ", '<abbr tabindex="0" ', 1)

    return GLOSSARY_TERM.sub(first, html)


# Names and whitespace in highlighted code are drawn in the code's own colour (the theme's
# --md-code-hl-name-color is --md-code-fg-color): their spans only cost the browser elements to
# style and lay out, and a code-heavy page has hundreds of them.
PLAIN_TOKEN = re.compile(r'<span class="[nw]">([^<]*)</span>')


COMPARISON_TABLE = re.compile(r"<table>\s*<thead>\s*<tr>\s*<th></th>.*?</table>", re.S)
FIRST_CELL = re.compile(r"<tr>(\s*)<td([^>]*)>(.*?)</td>", re.S)


def _row_headers(match: re.Match) -> str:
    """A Markdown table with an empty top-left cell compares things row by row: its first
    column names each row. Marked up as row headers, a screen reader announces "PyTorch,
    research and new models" for a cell instead of a bare value."""
    table = match.group(0).replace("<th></th>", "<td></td>", 1)
    head, body = table.split("</thead>", 1)
    return head + "</thead>" + FIRST_CELL.sub(r'<tr>\1<th scope="row"\2>\3</th>', body)


def _freshness(page) -> str:
    """When the notebook's outputs were made, and with which versions of its main libraries
    (recorded by scripts/notebooks.py when it executed the notebook)."""
    with open(page.file.abs_src_path, encoding="utf-8") as f:
        meta = json.load(f).get("metadata", {}).get("roadmap", {})
    env = meta.get("environment")
    if not meta.get("executed") or not env:
        return ""
    day = datetime.date.fromisoformat(meta["executed"])
    libraries = ", ".join(f"{name} {version}" for name, version in env["libraries"].items())
    took = ""
    if meta.get("seconds") is not None and meta.get("cores"):
        minutes, seconds = divmod(meta["seconds"], 60)
        took = (f" in {minutes} min {seconds} s" if minutes else f" in {seconds} s") + \
            f" on a {meta['cores']}-core CPU,"
    return (f'<p class="notebook-freshness">Outputs produced on '
            f'<time datetime="{day.isoformat()}">{day.day} {day:%B %Y}</time>{took} with Python '
            f'{env["python"]}{", " + libraries if libraries else ""}.</p>\n')


def _clean_notebook(html, page, config, files):
    styles = STYLE.findall(html)
    if styles and _state.get("notebook_css") is None:
        blocks = [re.sub(r"</?style[^>]*>", "", s) for s in styles]
        # One block is a stray Python list repr of another; the rest are real CSS.
        _state["notebook_css"] = "\n".join(b for b in blocks if not b.lstrip().startswith("['"))
    _state["notebook_pages"] = _state.get("notebook_pages", 0) + 1
    html = _drop_jupyterlab_markup(STYLE.sub("", html))
    html = _fold_provider_cell(_compact_code_cells(html), page)
    _state.setdefault("notebook_classes", set()).update(
        c for attr in re.findall(r'class="([^"]*)"', html) for c in attr.split())
    html = _extract_media(html, page)
    html = _mark_glossary_terms(html, _state["catalogue"].glossary)
    html = _exclude_outputs_from_search(html)
    # nbconvert's heading permalinks become the theme's, so search and styling treat them alike.
    html = html.replace('class="anchor-link"', 'class="headerlink"')
    # nbconvert's MathJax 2 loader, its empty <script src="">, and its Mermaid module (which
    # imports from a CDN) go: site.js renders math and diagrams from the vendored copies. So do
    # the scripts of mkdocs-jupyter's copy buttons, which the theme's replace.
    html = SCRIPT.sub(lambda m: "" if _unwanted_script(m.group(0)) else m.group(0), html)
    for remote, local in BADGE_IMAGES.items():
        html = html.replace(f'src="{remote}"', f'src="{_page_relative(page, local)}" width="117" height="20"')
    site = (config.site_url or "").rstrip("/") + "/"
    canonical = "https://genai-roadmap.github.io/generative-ai-roadmap/"

    def rewrite(match):
        href = match.group(2)
        for prefix in {site, canonical}:
            if href.startswith(prefix):
                return match.group(1) + _site_link(page, href[len(prefix):], files, href) + match.group(3)
        if not urlsplit(href).scheme and not href.startswith("#"):
            if href.endswith(".ipynb") or ".md" in href:
                log.warning("%s: relative link '%s' in a Markdown cell: link to the site's full URL "
                            "instead, so it also works in Colab", page.file.src_uri, href)
        return match.group(0)

    return HREF.sub(rewrite, html)


MARKDOWN_CELL = '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown'
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"</?([a-zA-Z][\w-]*)")
NOT_PROSE = {"a", "abbr", "button", "code", "h1", "h2", "h3", "h4", "h5", "h6", "kbd", "pre",
             "script", "style", "svg"}
MATH = re.compile(r"(\$\$.*?\$\$|\$[^$]+?\$|\\\(.*?\\\)|\\\[.*?\\\])", re.S)


def _mark_glossary_terms(html: str, terms: dict[str, str]) -> str:
    """Glossary terms in the prose of Markdown cells become <abbr> elements, as the
    abbreviations extension makes them on every other page, so they show the same tooltips.
    Code, outputs, links, headings and math (which KaTeX reads as text) are left alone."""
    if not terms:
        return html
    if "glossary_terms" not in _state:  # one pattern per build, longest terms first
        _state["glossary_terms"] = re.compile(r"(?<!\w)(" + "|".join(
            re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")(?!\w)")
    term = _state["glossary_terms"]

    def mark(text: str) -> str:
        parts = MATH.split(text)  # odd indices are math
        for i in range(0, len(parts), 2):
            parts[i] = term.sub(lambda m: f'<abbr title="{escape(terms[m.group(1)])}">'
                                          f'{m.group(1)}</abbr>', parts[i])
        return "".join(parts)

    out, cell_depth, skipped = [], 0, []
    for piece in TAG_OR_TEXT.split(html):
        if piece.startswith("<"):
            name = TAG_NAME.match(piece)
            name = name.group(1).lower() if name else ""
            closing = piece.startswith("</")
            if cell_depth == 0 and piece.startswith(MARKDOWN_CELL):
                cell_depth = 1
            elif cell_depth and name == "div":
                cell_depth += -1 if closing else 1
            elif cell_depth and name in NOT_PROSE and not piece.endswith("/>"):
                if not closing:
                    skipped.append(name)
                elif skipped and skipped[-1] == name:
                    skipped.pop()
        elif cell_depth and not skipped and piece:
            piece = mark(piece)
        out.append(piece)
    return "".join(out)


# mkdocs-jupyter gives each code cell a copy button: a <clipboard-copy> element with its own
# inline icon, a script for it, and a hidden second copy of the cell's source to copy.
COPY_CONTROL = re.compile(r'<div class="zeroclipboard-container">\s*<clipboard-copy for="([^"]+)"'
                          r'.*?</clipboard-copy>\s*</div>\s*<div class="highlight-ipynb', re.S)
COPY_SOURCE = re.compile(r'<div id="[^"]+" class="clipboard-copy-txt">[^<]*</div>')
CODE_CELL = re.compile(r'(<div [^>]*class="highlight-ipynb[^"]*"><pre>)(.*?)(</pre>)', re.S)
TOKEN = re.compile(r'<span(?: class="([^"]*)")?>([^<]*)</span>')
TOKEN_RULE = re.compile(r'\.highlight-ipynb \.([\w-]+)\s*\{([^}]*)\}')


# Empty wrappers that nbconvert writes for JupyterLab's cell controls (the stylesheet hides
# them), attributes that only JupyterLab reads, and runs of blank lines between tags.
EMPTY_WRAPPER = re.compile(r'<div class="(?:jp-Collapser [\w -]*|jp-InputPrompt jp-InputArea-prompt)">'
                           r'\s*</div>\s*')
JUPYTERLAB_ATTRIBUTE = re.compile(r' data-(?:mime-)?type="[^"]*"')
BLANK_BETWEEN_TAGS = re.compile(r">\s{2,}<")
PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)


def _drop_jupyterlab_markup(html: str) -> str:
    html = JUPYTERLAB_ATTRIBUTE.sub("", EMPTY_WRAPPER.sub("", html))
    # Whitespace inside <pre> is content; between other tags one line break does what many do.
    return "".join(part if part.startswith("<pre") else BLANK_BETWEEN_TAGS.sub(">\n<", part)
                   for part in PRE.split(html))


def _compact_code_cells(html: str) -> str:
    """Code cells keep their colours with about half the markup.

    Pygments wraps every token in a <span>. Only words are coloured here (comments, keywords,
    word operators, numbers, strings, errors): punctuation and operator symbols, a third of all
    tokens, take the text colour, as do tokens of kinds the notebook stylesheet leaves plain;
    kinds styled alike share one class, and neighbouring tokens of one kind share one span.
    The copy button becomes the theme's (no inline icon per cell, no hidden second copy of the
    source), and each code cell, which scrolls sideways, can be reached by keyboard.
    """
    html = COPY_SOURCE.sub("", COPY_CONTROL.sub(
        r'<button class="md-clipboard md-icon" title="Copy to clipboard" '
        r'data-clipboard-target="#\1 pre"></button>'
        r'<div id="\1" tabindex="0" class="highlight-ipynb', html))
    html = html.replace('<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb')
    kinds = _state.get("token_kinds") or _token_kinds(_state.get("notebook_css") or "")
    _state["token_kinds"] = kinds

    def compact(match):
        body, pieces, pos = match.group(2), [], 0
        for token in TOKEN.finditer(body):
            pieces += [(None, body[pos:token.start()]), (kinds.get(token.group(1)), token.group(2))]
            pos = token.end()
        pieces.append((None, body[pos:]))
        merged: list[list] = []
        for kind, text in pieces:
            if merged and merged[-1][0] == kind:
                merged[-1][1] += text
            elif text:
                merged.append([kind, text])
        code = "".join(text if kind is None else f'<span class="{kind}">{text}</span>'
                       for kind, text in merged)
        # Quotes need no escaping in element text, and code is full of them.
        return match.group(1) + code.replace("&quot;", '"').replace("&#39;", "'") + match.group(3)

    return CODE_CELL.sub(compact, html)


# Pygments' classes for punctuation and operator symbols (not word operators such as `in`).
SYMBOL_TOKENS = {"p", "o"}


def _token_kinds(css: str) -> dict[str, str]:
    """Each token class that nbconvert's stylesheet styles differently from plain code, mapped
    to the first class with the same style (so .kn and .kc become .k, .s1 and .si become .s)."""
    plain = re.search(r"\.highlight-ipynb\s*\{[^}]*?(color:[^;}]*)", css)
    first: dict[str, str] = {}
    kinds = {}
    for name, style in TOKEN_RULE.findall(css):
        style = style.strip()
        if name in SYMBOL_TOKENS or "color" not in style or (plain and style == plain.group(1).strip()):
            continue
        kinds[name] = first.setdefault(style, name)
    return kinds


PROVIDER_SECTION = "ai-agents/#the-provider-cell"   # where the site shows the cell, once
SHOWN_CODE = re.compile(r'<button class="md-clipboard[^>]*></button>'
                        r'<div [^>]*class="highlight-ipynb[^"]*"><pre>(.*?)</pre></div>', re.S)


def _fold_provider_cell(html: str, page) -> str:
    """Every Phase 3 notebook carries the same provider cell, 6 KB of code, so that it runs on
    its own. The site shows that code once, on the Phase 3 page; each notebook page shows a
    link to it in the cell's place."""
    def fold(match):
        if not unescape(TAG.sub("", match.group(1))).startswith(catalogue.PROVIDER_MARKER):
            return match.group(0)
        target, _, anchor = PROVIDER_SECTION.partition("#")
        href = f"{_page_relative(page, target)}/#{anchor}"
        return (f'<p class="notebook-folded"><a href="{href}">The provider cell</a>, the same in '
                f"every Phase 3 notebook, is shown once on the Phase 3 page. The notebook itself "
                f"carries it in full, so it runs on its own.</p>")

    return SHOWN_CODE.sub(fold, html)


OUTPUT_START = re.compile(rf'<div class="{notebook_cache.OUTPUT_CLASS}"[^>]*>')
OUTPUT_TEXT = re.compile(r"<(pre|table)\b")


def _exclude_outputs_from_search(html: str) -> str:
    """Cell outputs (logs, printed arrays, tables) stay out of the search index; prose,
    headings and code stay in. The theme's indexer skips an element marked
    data-search-exclude, but it tracks elements by tag name, so the mark goes on the output's
    <pre> or <table> (which do not nest) rather than on its <div>."""
    parts = OUTPUT_START.split(html)
    starts = OUTPUT_START.findall(html)
    out = [parts[0]]
    for start, chunk in zip(starts, parts[1:], strict=True):
        end = chunk.find("jp-Cell ")
        match = OUTPUT_TEXT.search(chunk, 0, end if end >= 0 else len(chunk))
        if match:
            chunk = chunk[:match.end()] + " data-search-exclude" + chunk[match.end():]
        out += [start, chunk]
    return "".join(out)


DATA_IMAGE = re.compile(r'<img([^>]*?) src="data:image/png;base64,([^"]+)"')
DATA_AUDIO = re.compile(r'<audio([^>]*)>(\s*)<source src="data:audio/wav;base64,([^"]+)"')


def _extract_media(html: str, page) -> str:
    """Inline base64 figures and sounds become files beside the page, loaded when needed.

    A notebook page's HTML then stays small, its media are cached separately, and the search
    index holds no media data. Figures load lazily with their size set; a sound loads when it
    is played. The files are written in on_post_build.
    """
    folder = posixpath.dirname(page.file.dest_uri)

    def keep(data: bytes, suffix: str) -> str:
        name = f"{'fig' if suffix == 'png' else 'sound'}-{hashlib.sha1(data).hexdigest()[:12]}.{suffix}"
        _state.setdefault("media", {})[posixpath.join(folder, name)] = data
        return name

    def image(match):
        data = base64.b64decode(match.group(2))
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return (f'<img{match.group(1)} src="{keep(data, "png")}" width="{width}" height="{height}"'
                f' loading="lazy"')

    def sound(match):
        name = keep(base64.b64decode(match.group(3)), "wav")
        return f'<audio{match.group(1).rstrip()} preload="none">{match.group(2)}<source src="{name}"'

    return DATA_AUDIO.sub(sound, DATA_IMAGE.sub(image, html))


def _align_toc(page, html: str) -> None:
    """Point the table of contents at the heading ids nbconvert wrote.

    mkdocs-jupyter slugs headings itself and differs from nbconvert where a heading holds code
    (`like this`), which would leave the sidebar linking to anchors that do not exist.
    """
    items, stack = [], list(reversed(list(page.toc)))
    while stack:
        item = stack.pop()
        items.append(item)
        stack.extend(reversed(item.children))
    ids = [(int(level), hid) for level, hid in re.findall(r'<h([1-6]) id="([^"]+)"', html)]
    for item in items:
        match = next((i for i, (level, _) in enumerate(ids) if level == item.level), None)
        if match is None:
            break
        item.id = ids[match][1]
        ids = ids[match + 1:]


def _unwanted_script(tag: str) -> bool:
    return ('src=""' in tag or 'type="module"' in tag or "mathjax" in tag.lower()
            or "clipboard-copy" in tag)


def _page_relative(page, target: str) -> str:
    """Relative URL from a built page to a site path such as 'fundamentals/' or 'assets/x.svg'."""
    start = posixpath.dirname(page.url + "index.html" if page.url.endswith("/") or not page.url else page.url)
    return posixpath.relpath(target or ".", start or ".")


def _site_link(page, path: str, files, original: str) -> str:
    """A link to the site's own URL becomes relative; a link to a missing page warns."""
    target, _, fragment = path.partition("#")
    wanted = target.rstrip("/") + "/" if target else ""
    if not any(f.url == wanted for f in files.documentation_pages()):
        log.warning("%s: link to %s points to no page of the site", page.file.src_uri, original)
        return original
    return _page_relative(page, wanted) + "/" + (f"#{fragment}" if fragment else "")


def _split_selectors(head: str) -> list[str]:
    """Split a selector list at its top-level commas (not those inside :is(...) or [...])."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(head):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(head[start:i])
            start = i + 1
    return parts + [head[start:]]


def _prune_css(css: str, used: set[str]) -> str:
    """Keep the rules whose selectors can match: every class they name is used somewhere.

    nbconvert ships JupyterLab's whole stylesheet (about 570 KB); a rendered notebook uses a
    small part of it. At-rules are kept whole when they hold any kept rule.
    """
    out, i, n = [], 0, len(css)
    while i < n:
        start = css.find("{", i)
        if start < 0:
            break
        head = css[i:start].strip()
        depth, j = 1, start + 1
        while j < n and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[start + 1:j - 1]
        if head.startswith("@media") or head.startswith("@supports"):
            inner = _prune_css(body, used)
            if inner.strip():
                out.append(f"{head}{{{inner}}}")
        elif head.startswith("@"):
            out.append(f"{head}{{{body}}}")
        else:
            head = re.sub(r"/\*.*?\*/", "", head, flags=re.S).strip()
            selectors = [s for s in _split_selectors(head) if all(
                c in used  # classes inside :not(...) need not be present, so they do not count
                for c in re.findall(r"\.(-?[_a-zA-Z][\w-]*)", re.sub(r":not\([^)]*\)", "", s)))]
            if selectors:
                out.append(f"{','.join(selectors)}{{{body}}}")
        i = j
    return "\n".join(out)


# Words the theme's search drops anyway (its stop-word filter), and punctuation around words.
STOP_WORDS = frozenset("""a about after all also an and any are as at be been being both but by can
could did do does done each few for from had has have he her his how if in into is it its just may
more most no not of on only or other our out over own same she should so some such than that the
their them then there these they this those to too was we were what when where which while who
will with would you your""".split())
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[^\W_]+")


def compact_search_text(text: str, head: int = 200) -> str:
    """A section's search text: its opening words as written (what a result shows), then every
    other distinct word once, in order. The search engine matches words, not phrases, so every
    section stays findable by every word it contains; repeats, markup, TeX and bare numbers go,
    and code such as `nn.functional.softmax(x)` is split into the words a reader would type."""
    plain = re.sub(r"\s+", " ", TAG.sub(" ", text)).strip()
    if len(plain) <= head:
        return plain
    cut = plain.rfind(" ", 0, head)
    first, rest = plain[:cut if cut > 0 else head], plain[cut if cut > 0 else head:]
    seen = set(WORD.findall(first.lower()))
    words = []
    for token in rest.split():
        if "\\" in token or "$" in token:  # TeX source: the words around it are indexed
            continue
        for word in WORD.findall(token.lower()):
            if len(word) < 2 or word in seen or word in STOP_WORDS or word.isdigit():
                continue
            seen.add(word)
            words.append(word)
    return f"{first} … {' '.join(words)}" if words else first


def _compact_search_index(site_dir: str) -> None:
    path = Path(site_dir) / "search" / "search_index.json"
    if not path.exists():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    for doc in index["docs"]:
        doc["text"] = compact_search_text(doc["text"])
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


# --- Scripts -----------------------------------------------------------------------------------

EXTERNAL_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')


def on_post_page(output, page, config):
    """The theme's bundle and the site's scripts run deferred, in their order, before
    DOMContentLoaded (which the theme waits for): the browser paints the page first instead of
    holding the first paint of the text until the scripts have run."""
    return EXTERNAL_SCRIPT.sub(r'<script src="\1" defer></script>', output)


# --- What the search plugin reads ----------------------------------------------------------------

SEARCH_EXCLUDED = re.compile(r"<(pre|table)\b[^>]*\bdata-search-exclude\b[^>]*>.*?</\1>", re.S)
SPAN_TAG = re.compile(r"</?span\b[^>]*>")
SEARCH_ATTRIBUTE = re.compile(r'\s?data-search-\w+(="[^"]*")?')


@event_priority(100)  # before the search plugin indexes the page
def _show_search_the_text(context, page, config, nav):
    """The theme's indexer parses each page's HTML tag by tag, which took most of the build
    time on notebook pages: it is given the page without the outputs it would skip anyway and
    without the highlighting spans, whose text it keeps. The index comes out the same."""
    page.full_content = page.content
    html = SEARCH_EXCLUDED.sub(lambda m: f"<{m.group(1)} data-search-exclude></{m.group(1)}>",
                               page.content)
    page.content = SPAN_TAG.sub("", html)
    return context


@event_priority(-100)  # after the search plugin, before the page is rendered
def _restore_the_page(context, page, config, nav):
    page.content = SEARCH_ATTRIBUTE.sub("", getattr(page, "full_content", page.content))
    return context


on_page_context = CombinedEvent(_show_search_the_text, _restore_the_page)


# --- The theme's palette stylesheet -------------------------------------------------------------

# The theme stops every transition while the colour scheme changes with this rule, and sets and
# clears `data-md-color-switching` on <body> as each page starts. A rule on every descendant of
# <body> makes each of those two changes restyle the whole page: on a long topic page, a few
# hundred milliseconds of a phone's time before it answers a tap. Without the rule, colours
# fade for a quarter of a second when a reader switches the scheme.
COLOUR_SWITCHING_RULE = ("[data-md-color-switching] *,[data-md-color-switching] :after,"
                         "[data-md-color-switching] :before{transition-duration:0s!important}")


def _drop_colour_switching_rule(site_dir: str) -> None:
    for sheet in (Path(site_dir) / "assets" / "stylesheets").glob("palette.*.min.css"):
        css = sheet.read_text(encoding="utf-8")
        if COLOUR_SWITCHING_RULE in css:
            sheet.write_text(css.replace(COLOUR_SWITCHING_RULE, ""), encoding="utf-8")
        elif "data-md-color-switching" in css:
            log.warning("%s: the theme's colour-switching rule has changed; update "
                        "COLOUR_SWITCHING_RULE in hooks/site.py to match it", sheet.name)


@event_priority(-100)  # after the search plugin has written its index
def on_post_build(config):
    _compact_search_index(config.site_dir)
    _drop_colour_switching_rule(config.site_dir)
    for dest, data in _state.get("media", {}).items():
        out = Path(config.site_dir) / dest
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    css = _state.get("notebook_css")
    # Pruned to the classes of every notebook page, so only after a build that rendered them all
    # (`mkdocs serve --dirty` renders just the edited page and keeps the stylesheet it has).
    if css and _state.get("notebook_pages") == _state.get("notebook_count"):
        css = _prune_css(css, _state.get("notebook_classes", set()) | {"jupyter-wrapper"})
        out = Path(config.site_dir) / NOTEBOOK_CSS
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(css, encoding="utf-8")
