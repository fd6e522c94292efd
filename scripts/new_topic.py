"""Create a new topic: a page and a notebook from scripts/templates/, registered in .pages.

    python scripts/new_topic.py --phase 1 --id my-topic --title "My topic" \\
        --description "One sentence that says what the learner gets from this topic."
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))
import catalogue  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates"


def phase_folder(docs: Path, phase: int) -> Path:
    cat = catalogue.load(docs, docs.parent / "notebooks")
    if phase not in cat.phases:
        raise SystemExit(f"error: phase {phase} has no landing page (kind: phase) under {docs}")
    return docs / Path(cat.phases[phase].src).parent


def register(pages_file: Path, page_name: str) -> None:
    """Add the page to the folder's .pages nav, before the '...' rest entry if there is one."""
    lines = pages_file.read_text(encoding="utf-8").splitlines() if pages_file.exists() else ["nav:"]
    entry = f"  - {page_name}"
    if entry in lines:
        return
    rest = "  - ..."
    lines.insert(lines.index(rest) if rest in lines else len(lines), entry)
    pages_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def create(root: Path, phase: int, topic_id: str, title: str, description: str) -> tuple[Path, Path]:
    if not re.fullmatch(catalogue.SLUG, topic_id):
        raise SystemExit(f"error: --id must be lowercase words joined by '-', not {topic_id!r}")
    docs = root / "docs"
    folder = phase_folder(docs, phase)
    page = folder / f"{topic_id}.md"
    notebook = root / "notebooks" / f"{topic_id}.ipynb"
    for path in (page, notebook):
        if path.exists():
            raise SystemExit(f"error: {path.relative_to(root)} already exists")

    values = {"id": topic_id, "title": title, "description": description, "phase": str(phase)}
    text = (TEMPLATES / "topic.md").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    page.write_text(text, encoding="utf-8")

    nb = json.loads((TEMPLATES / "notebook.ipynb").read_text(encoding="utf-8"))
    first = nb["cells"][0]
    first["source"] = "".join(first["source"]).replace("{title}", title)
    notebook.parent.mkdir(exist_ok=True)
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    register(folder / ".pages", page.name)
    return page, notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", type=int, required=True, choices=[1, 2, 3])
    parser.add_argument("--id", required=True, help="stable slug, e.g. normalizing-flows")
    parser.add_argument("--title", required=True)
    parser.add_argument("--description", required=True, help="one sentence, 20-220 characters")
    parser.add_argument("--root", type=Path, default=catalogue.ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    page, notebook = create(args.root.resolve(), args.phase, args.id, args.title, args.description)
    print(f"created {page.relative_to(args.root.resolve())} and {notebook.relative_to(args.root.resolve())}")
    print(f"next: write both, then run: make notebooks NB={notebook.relative_to(args.root.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
