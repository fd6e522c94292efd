"""The roadmap's catalogue: phases and topics, read from the front matter of the pages.

Front matter is the single source of the roadmap's metadata. The site hook, the notebook
tool and the tests all read it through this module, so that one schema and one set of
rules apply everywhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
# The provider cell that every Phase 3 notebook carries: its one source, and the first line by
# which the notebook tool and the site find it in a notebook.
PROVIDER_SOURCE = ROOT / "scripts" / "templates" / "provider.py"
PROVIDER_MARKER = "# Provider: the language model and the embedding model behind this notebook."
GLOSSARY = ROOT / "includes" / "glossary.md"

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"

TOPIC_SCHEMA = {
    "type": "object",
    "required": ["kind", "id", "title", "description", "phase", "prerequisites",
                 "notebooks", "hours", "level", "tags"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "topic"},
        "id": {"type": "string", "pattern": SLUG},
        "title": {"type": "string", "minLength": 3, "maxLength": 80},
        "description": {"type": "string", "minLength": 20, "maxLength": 220},
        "phase": {"type": "integer", "minimum": 1, "maximum": 3},
        "prerequisites": {"type": "array", "uniqueItems": True,
                          "items": {"type": "string", "pattern": SLUG}},
        "notebooks": {"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": {"type": "string", "pattern": r"^notebooks/[a-z0-9-]+\.ipynb$"}},
        "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 40},
        "level": {"enum": ["beginner", "intermediate", "advanced"]},
        "tags": {"type": "array", "minItems": 1, "uniqueItems": True,
                 "items": {"type": "string", "pattern": SLUG}},
        # Glossary terms (abbreviations in includes/glossary.md) this topic teaches.
        "glossary": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        # Material's own keys, allowed on any page.
        "icon": {"type": "string"},
        "status": {"type": "string"},
    },
}

PHASE_SCHEMA = {
    "type": "object",
    "required": ["kind", "phase", "title", "description", "objective"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "phase"},
        "phase": {"type": "integer", "minimum": 1, "maximum": 3},
        "title": {"type": "string", "minLength": 3},
        "description": {"type": "string", "minLength": 20, "maxLength": 220},
        "objective": {"type": "string", "minLength": 20},
        "icon": {"type": "string"},
    },
}

# The body of every topic page, in this order (the explanation sits between Prerequisites
# and Companion notebooks, under headings of the author's choosing).
TOPIC_SECTIONS = ["What you will be able to do", "Prerequisites", "Companion notebook",
                  "Self-check", "Summary", "Further reading"]
PREREQUISITES_MARKER = "<!-- prerequisites -->"
NOTEBOOKS_MARKER = "<!-- notebooks -->"


@dataclass
class Page:
    src: str            # path relative to docs/, with forward slashes
    meta: dict
    body: str

    @property
    def url(self) -> str:
        """Site-relative URL with directory URLs (what MkDocs gives the page)."""
        stem = self.src[:-3]
        if stem == "index" or stem.endswith("/index"):
            stem = stem[:-5]
        else:
            stem += "/"
        return stem


@dataclass
class Catalogue:
    phases: dict[int, Page] = field(default_factory=dict)
    topics: list[Page] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    glossary: dict[str, str] = field(default_factory=dict)   # term -> definition

    def topic(self, topic_id: str) -> Page | None:
        return next((t for t in self.topics if t.meta["id"] == topic_id), None)

    def phase_topics(self, phase: int) -> list[Page]:
        return [t for t in self.topics if t.meta["phase"] == phase]

    def notebook_owner(self, notebook: str) -> Page | None:
        """The topic page whose front matter lists `notebook` (a path like notebooks/x.ipynb)."""
        return next((t for t in self.topics if notebook in t.meta["notebooks"]), None)


FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)


def split_front_matter(text: str) -> tuple[dict, str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1)) or {}
    return meta, text[match.end():]


def headings(body: str, level: int = 2) -> list[str]:
    """Headings of one level, ignoring fenced code blocks."""
    found, fenced = [], False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#" * level + " "):
            found.append(line[level + 1:].strip())
    return found


TASK_ITEM = re.compile(r"^(\s*[-*+] \[[ xX]\] )(.+?)\s*$")
# An item may end with `<!-- key: old-key -->` to keep the key its earlier words gave it, so that
# rewording an item keeps the ticks learners already gave it.
KEY_MARKER = re.compile(r"\s*<!-- key: ([a-z0-9]+(?:-[a-z0-9]+)*) -->$")


def item_slug(text: str) -> str:
    """A checklist item's key from its words: without Markdown, lowercased and joined by '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)   # [label](url) -> label
    text = re.sub(r"<[^>]+>", "", text)
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].rstrip("-") or "item"


def task_items(body: str) -> list[tuple[int, str]]:
    """(last line number, key) of every task-list item outside fenced code.

    An item may wrap onto indented continuation lines; its key is made from all of its text,
    unless the item ends with a key marker, and the line number is its last line (where the
    site hook tags it). Items with the same words get -2, -3... in order.
    """
    return [(last, key) for last, key, _ in _task_items(body)]


def _task_items(body: str) -> list[tuple[int, str, str]]:
    """(last line number, key, text) of every task-list item; see task_items."""
    lines = body.splitlines()
    found, seen, fenced = [], set(), False
    for number, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else TASK_ITEM.match(line)
        if not match:
            continue
        text, last = match.group(2), number
        while (last + 1 < len(lines) and lines[last + 1].startswith((" ", "\t"))
               and lines[last + 1].strip() and not re.match(r"\s*([-*+]|\d+\.) ", lines[last + 1])):
            last += 1
            text += " " + lines[last].strip()
        marker = KEY_MARKER.search(text)
        if marker:
            slug = marker.group(1)
        else:
            slug, n = item_slug(text), 2
            while slug in seen:
                slug, n = f"{item_slug(text)}-{n}", n + 1
        seen.add(slug)
        found.append((last, slug, text))
    return found


def check_task_keys(body: str) -> list[str]:
    """Key markers must be well formed and keep every item's key its own."""
    errors, items = [], _task_items(body)
    keys = [key for _, key, _ in items]
    for _, key, text in items:
        if re.search(r"<!--\s*key\b", text) and not KEY_MARKER.search(text):
            errors.append(f"checklist item '{text}': write its key marker as "
                          "'<!-- key: words-joined-by-hyphens -->' at the very end")
        if keys.count(key) > 1:
            errors.append(f"checklist key '{key}' is given to more than one item")
    return list(dict.fromkeys(errors))


def check_topic_body(page: Page) -> list[str]:
    """The topic template: sections in order, a checklist, markers, self-check blocks."""
    errors = []
    found = headings(page.body)
    wanted = [next((h for h in found if h.startswith(s)), None) for s in TOPIC_SECTIONS]
    missing = [s for s, h in zip(TOPIC_SECTIONS, wanted, strict=True) if h is None]
    if missing:
        errors.append(f"missing section(s): {', '.join(missing)}")
    else:
        positions = [found.index(h) for h in wanted]
        if positions != sorted(positions):
            errors.append("sections out of order; expected: " + " > ".join(TOPIC_SECTIONS))
        if positions[2] - positions[1] < 2:
            errors.append("no explanation section between Prerequisites and Companion notebook")
    if not re.search(r"^- \[ \] ", page.body, re.M):
        errors.append("no task-list items ('- [ ] ...') under 'What you will be able to do'")
    errors += check_task_keys(page.body)
    for marker in (PREREQUISITES_MARKER, NOTEBOOKS_MARKER):
        if marker not in page.body:
            errors.append(f"missing marker {marker}")
    if not re.search(r'^\?\?\?\+? question ', page.body, re.M):
        errors.append("no self-check question ('??? question \"...\"')")
    if not re.search(r"(arxiv\.org|doi\.org)/", page.body):
        errors.append("no paper reference (arXiv or DOI link) under Further reading")
    return errors


def glossary(path: Path = GLOSSARY) -> dict[str, str]:
    """Term -> definition, from the abbreviation lines `*[TERM]: definition`."""
    if not path.exists():
        return {}
    return dict(re.findall(r"^\*\[([^\]]+)\]:\s*(.+?)\s*$", path.read_text(encoding="utf-8"), re.M))


def load(docs: Path = DOCS, notebooks: Path = NOTEBOOKS) -> Catalogue:
    """Read every page's front matter; collect every rule broken into `errors`."""
    cat = Catalogue()
    for path in sorted(docs.rglob("*.md")):
        src = path.relative_to(docs).as_posix()
        try:
            meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            cat.errors.append(f"{src}: front matter is not valid YAML: {exc}")
            continue
        kind = meta.get("kind")
        if kind not in ("topic", "phase"):
            continue
        schema = TOPIC_SCHEMA if kind == "topic" else PHASE_SCHEMA
        problems = sorted(jsonschema.Draft202012Validator(schema).iter_errors(meta),
                          key=lambda e: list(e.path))
        if problems:
            for err in problems:
                where = ".".join(str(p) for p in err.path) or "front matter"
                cat.errors.append(f"{src}: {where}: {err.message}")
            continue
        page = Page(src, meta, body)
        if kind == "phase":
            if meta["phase"] in cat.phases:
                cat.errors.append(f"{src}: phase {meta['phase']} already has a landing page")
            cat.phases[meta["phase"]] = page
        else:
            cat.topics.append(page)
            cat.errors += [f"{src}: {e}" for e in check_topic_body(page)]

    ids = [t.meta["id"] for t in cat.topics]
    terms = cat.glossary = glossary(docs.parent / "includes" / "glossary.md")
    for t in cat.topics:
        src, meta = t.src, t.meta
        if ids.count(meta["id"]) > 1:
            cat.errors.append(f"{src}: id '{meta['id']}' is used by more than one page")
        if meta["phase"] not in cat.phases:
            cat.errors.append(f"{src}: phase {meta['phase']} has no landing page")
        elif not t.src.startswith(cat.phases[meta["phase"]].src.rsplit("/", 1)[0] + "/"):
            cat.errors.append(f"{src}: a phase {meta['phase']} topic must live in its phase folder")
        for pre in meta["prerequisites"]:
            other = cat.topic(pre)
            if other is None:
                cat.errors.append(f"{src}: prerequisite '{pre}' is not the id of any topic")
            elif other.meta["phase"] > meta["phase"]:
                cat.errors.append(f"{src}: prerequisite '{pre}' belongs to a later phase")
        for term in meta.get("glossary", []):
            if term not in terms:
                cat.errors.append(f"{src}: glossary term '{term}' is not defined in includes/glossary.md")
        for nb in meta["notebooks"]:
            if not (notebooks.parent / nb).is_file():
                cat.errors.append(f"{src}: notebook {nb} does not exist")
    cat.errors += _cycles(cat)

    listed = {nb for t in cat.topics for nb in t.meta["notebooks"]}
    for path in sorted(notebooks.glob("*.ipynb")):
        nb = f"notebooks/{path.name}"
        owners = [t.src for t in cat.topics if nb in t.meta["notebooks"]]
        if nb not in listed:
            cat.errors.append(f"{nb}: no topic page lists it under 'notebooks' in its front matter")
        elif len(owners) > 1:
            cat.errors.append(f"{nb}: listed by more than one topic page: {', '.join(owners)}")
    cat.topics.sort(key=lambda t: (t.meta["phase"], t.src))
    return cat


def _cycles(cat: Catalogue) -> list[str]:
    state: dict[str, int] = {}
    errors = []

    def visit(tid: str, trail: list[str]) -> None:
        if state.get(tid) == 2:
            return
        if state.get(tid) == 1:
            errors.append("prerequisites form a cycle: " + " -> ".join(trail + [tid]))
            return
        state[tid] = 1
        topic = cat.topic(tid)
        for pre in topic.meta["prerequisites"] if topic else []:
            visit(pre, trail + [tid])
        state[tid] = 2

    for t in cat.topics:
        visit(t.meta["id"], [])
    return errors


# --- Site configuration -------------------------------------------------------------------

class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without importing MkDocs: resolves !ENV, ignores python tags."""


def _env(loader, node):
    values = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) \
        else [loader.construct_scalar(node)]
    for name in values[:-1] if len(values) > 1 else values:
        if name in os.environ:
            return os.environ[name]
    return values[-1] if len(values) > 1 else None


_ConfigLoader.add_constructor("!ENV", _env)
_ConfigLoader.add_constructor("!relative", lambda *_: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)


def site_config(root: Path = ROOT) -> dict:
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)


def github_slug(repo_url: str) -> str:
    """owner/name from https://github.com/owner/name."""
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)/?", repo_url)
    if not match:
        raise ValueError(f"repo_url must be https://github.com/OWNER/NAME, not {repo_url!r}")
    return match.group(1)


def colab_url(config: dict, notebook: str) -> str:
    """Open-in-Colab URL of a notebook path such as notebooks/x.ipynb."""
    slug = github_slug(config["repo_url"])
    return f"https://colab.research.google.com/github/{slug}/blob/{config['extra']['branch']}/{quote(notebook)}"


def notebook_url(notebook: str) -> str:
    """Site-relative URL of a notebook's rendered page."""
    return notebook[: -len(".ipynb")] + "/"
