"""Front matter: every page meets the schema and the topic template; the seed's 24 topics
are tracked; and the checks themselves reject what they should."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import catalogue

SEED = yaml.safe_load((Path(__file__).parent / "seed_topics.yml").read_text(encoding="utf-8"))


def test_catalogue_has_no_errors(cat):
    assert not cat.errors, "front matter / template problems:\n" + "\n".join(cat.errors)


def test_every_glossary_term_is_used_and_taught(cat):
    """Each term of includes/glossary.md appears on some page and is taught by some topic,
    which the glossary page links to."""
    pages = " ".join(p.read_text(encoding="utf-8") for p in catalogue.DOCS.rglob("*.md"))
    taught = {term for t in cat.topics for term in t.meta.get("glossary", [])}
    terms = catalogue.glossary()
    assert terms
    unused = sorted(t for t in terms if not re.search(rf"(?<!\w){re.escape(t)}(?!\w)", pages))
    assert not unused, f"glossary terms no page uses: {unused}"
    untaught = sorted(set(terms) - taught)
    assert not untaught, f"terms no topic's glossary list names: {untaught}"


def test_every_phase_has_a_landing_page(cat):
    assert sorted(cat.phases) == [1, 2, 3]


def test_seed_coverage(cat, capsys):
    seed_ids = [s["id"] for s in SEED]
    assert len(seed_ids) == 24 and len(set(seed_ids)) == 24
    pages = {t.meta["id"]: t for t in cat.topics}
    strays = sorted(set(pages) - set(seed_ids))
    assert not strays, f"topic ids not in tests/seed_topics.yml: {strays}"
    rows = []
    for s in SEED:
        page = pages.get(s["id"])
        if page is not None:
            assert page.meta["phase"] == s["phase"], f"{s['id']} belongs to phase {s['phase']}"
            notebooks = page.meta["notebooks"]
            assert all((catalogue.ROOT / nb).is_file() for nb in notebooks)
        status = f"page + {len(page.meta['notebooks'])} notebook(s)" if page else "not yet"
        rows.append(f"  phase {s['phase']}  {s['id']:<32} {status}")
    covered = sum(s["id"] in pages for s in SEED)
    with capsys.disabled():
        print(f"\nseed coverage: {covered} of {len(SEED)} topics have a page and notebooks")
        print("\n".join(rows))
    assert covered >= 1


def _page(tmp_path: Path, meta: dict, body: str) -> Path:
    docs = tmp_path / "docs"
    (docs / "p1").mkdir(parents=True, exist_ok=True)
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (docs / "p1" / "index.md").write_text(
        "---\nkind: phase\nphase: 1\ntitle: Phase one\ndescription: A phase used by the tests only.\n"
        "objective: An objective long enough for the schema.\n---\n# Phase one\n", encoding="utf-8")
    path = docs / "p1" / "topic.md"
    path.write_text("---\n" + yaml.safe_dump(meta) + "---\n" + body, encoding="utf-8")
    return tmp_path


GOOD_META = {
    "kind": "topic", "id": "good-topic", "title": "Good topic",
    "description": "A topic that satisfies every rule of the schema.", "phase": 1,
    "prerequisites": [], "notebooks": ["notebooks/good-topic.ipynb"], "hours": 2,
    "level": "beginner", "tags": ["testing"],
}
TEMPLATE_BODY = (Path(catalogue.ROOT) / "scripts/templates/topic.md").read_text(encoding="utf-8")
GOOD_BODY = catalogue.split_front_matter(TEMPLATE_BODY)[1].replace("0000.00000", "1234.56789")


def _errors(tmp_path, meta, body=GOOD_BODY, notebook=True):
    root = _page(tmp_path, meta, body)
    if notebook:
        (root / "notebooks" / "good-topic.ipynb").write_text("{}", encoding="utf-8")
    return catalogue.load(root / "docs", root / "notebooks").errors


def test_a_good_page_passes(tmp_path):
    assert _errors(tmp_path, GOOD_META) == []


@pytest.mark.parametrize("change, expected", [
    ({"level": "expert"}, "level"),
    ({"hours": "three"}, "hours"),
    ({"id": "Bad Id"}, "id"),
    ({"prerequisites": ["no-such-topic"]}, "no-such-topic"),
    ({"prerequisites": ["good-topic"]}, "cycle"),
    ({"notebooks": ["notebooks/missing.ipynb"]}, "does not exist"),
    ({"phase": 2}, "phase 2 has no landing page"),
    ({"colour": "red"}, "Additional properties"),
])
def test_bad_front_matter_is_reported(tmp_path, change, expected):
    errors = _errors(tmp_path, {**GOOD_META, **change})
    assert any(expected in e for e in errors), errors


def test_missing_field_is_reported(tmp_path):
    meta = {k: v for k, v in GOOD_META.items() if k != "description"}
    assert any("'description' is a required property" in e for e in _errors(tmp_path, meta))


@pytest.mark.parametrize("edit, expected", [
    (lambda b: b.replace("## Self-check", "## Questions"), "Self-check"),
    (lambda b: b.replace("- [ ] ", "- "), "task-list"),
    (lambda b: b.replace("<!-- notebooks -->", ""), "<!-- notebooks -->"),
    (lambda b: b.replace("## Summary", "## Recap").replace("## Self-check", "## Summary\n\n## Self-check")
     .replace("## Recap", "## Notes"), "out of order"),
    (lambda b: b.replace("arxiv.org", "example.org"), "paper reference"),
])
def test_template_breaches_are_reported(tmp_path, edit, expected):
    errors = _errors(tmp_path, GOOD_META, edit(GOOD_BODY))
    assert any(expected in e for e in errors), errors


def test_unlisted_notebook_is_reported(tmp_path):
    root = _page(tmp_path, GOOD_META, GOOD_BODY)
    (root / "notebooks" / "good-topic.ipynb").write_text("{}", encoding="utf-8")
    (root / "notebooks" / "orphan.ipynb").write_text("{}", encoding="utf-8")
    errors = catalogue.load(root / "docs", root / "notebooks").errors
    assert any("orphan.ipynb: no topic page lists it" in e for e in errors), errors


def test_invalid_yaml_is_reported_not_raised(tmp_path):
    root = _page(tmp_path, GOOD_META, GOOD_BODY)
    (root / "docs" / "p1" / "topic.md").write_text("---\nkind: topic\ntitle: [unclosed\n---\n# x\n")
    errors = catalogue.load(root / "docs", root / "notebooks").errors
    assert any("not valid YAML" in e for e in errors), errors
