"""Open, update or close the GitHub issues of the weekly health checks (run by
.github/workflows/weekly.yml with the workflow's own token, through the `gh` command).

    python scripts/report_issues.py notebooks FAILURES.json NOTEBOOK_NAMES...
    python scripts/report_issues.py links LYCHEE_REPORT.md --failed

One issue per broken notebook, titled with its name, updated while it stays broken and closed
once it runs again; one issue for dead external links.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NOTEBOOK_TITLE = "Notebook fails with the newest libraries: {}"
LINKS_TITLE = "Dead external links on the site"

Gh = Callable[..., str]


def gh(*args: str) -> str:
    return subprocess.run(["gh", *args], check=True, capture_output=True, text=True).stdout


def open_issues(run: Gh) -> dict[str, int]:
    listed = json.loads(run("issue", "list", "--state", "open", "--limit", "200",
                            "--json", "number,title"))
    return {issue["title"]: issue["number"] for issue in listed}


def upsert(run: Gh, existing: dict[str, int], title: str, body: str) -> None:
    if title in existing:
        run("issue", "edit", str(existing[title]), "--body", body)
        run("issue", "comment", str(existing[title]), "--body", "Still failing in this week's run.")
    else:
        run("issue", "create", "--title", title, "--body", body)


def close(run: Gh, existing: dict[str, int], title: str, why: str) -> None:
    if title in existing:
        run("issue", "close", str(existing[title]), "--comment", why)


def stack_versions(freeze: str) -> str:
    """The lines of `pip freeze` for the libraries pinned in requirements-notebooks.txt."""
    pinned = Path(__file__).resolve().parent.parent / "requirements-notebooks.txt"
    names = {line.split("==")[0].strip().lower() for line in pinned.read_text().splitlines()
             if "==" in line and not line.startswith("#")}
    return "\n".join(line for line in freeze.splitlines()
                     if line.split("==")[0].strip().lower() in names)


def notebooks(run: Gh, failures: list[dict], names: list[str], versions: str) -> None:
    existing = open_issues(run)
    broken = {f["notebook"]: f for f in failures}
    for name in names:
        title = NOTEBOOK_TITLE.format(name)
        if name in broken:
            failure = broken[name]
            body = (f"`{name}` fails in cell {failure['cell']} when run alone and offline with "
                    f"the newest releases of the notebook stack.\n\n```\n{failure['error']}\n```\n\n"
                    f"Versions installed:\n\n```\n{stack_versions(versions)}\n```\n\n"
                    "The pinned requirements are unchanged: update them, and the notebook, "
                    "in a pull request.")
            upsert(run, existing, title, body)
        else:
            close(run, existing, title, "Runs again with the newest libraries.")


def links(run: Gh, report: str, failed: bool) -> None:
    existing = open_issues(run)
    if failed:
        upsert(run, existing, LINKS_TITLE, "The weekly link check found dead links.\n\n" + report)
    else:
        close(run, existing, LINKS_TITLE, "Every external link answers again.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="check", required=True)
    nb = sub.add_parser("notebooks")
    nb.add_argument("failures", type=Path)
    nb.add_argument("versions", type=Path, help="`pip freeze` of the environment")
    nb.add_argument("names", nargs="+")
    ln = sub.add_parser("links")
    ln.add_argument("report", type=Path)
    ln.add_argument("--failed", action="store_true")
    args = parser.parse_args(argv)
    if args.check == "notebooks":
        notebooks(gh, json.loads(args.failures.read_text(encoding="utf-8")), args.names,
                  args.versions.read_text(encoding="utf-8"))
    else:
        links(gh, args.report.read_text(encoding="utf-8"), args.failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
