"""The scaffold makes a topic that builds: run it in a temporary copy of the project."""

from __future__ import annotations

import subprocess
import sys

import catalogue
from conftest import build, copy_project


def test_new_topic_builds(tmp_path):
    project = copy_project(tmp_path / "project")
    result = subprocess.run(
        [sys.executable, "scripts/new_topic.py", "--phase", "2", "--id", "scaffold-check",
         "--title", "Scaffold check", "--description", "A topic made by the scaffold in a test."],
        cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = project / "docs/generative-ai/scaffold-check.md"
    assert page.exists() and (project / "notebooks/scaffold-check.ipynb").exists()
    assert "  - scaffold-check.md" in (project / "docs/generative-ai/.pages").read_text()
    cat = catalogue.load(project / "docs", project / "notebooks")
    assert cat.errors == [] and cat.topic("scaffold-check") is not None

    built = build(project, tmp_path / "site")
    assert built.returncode == 0, built.stderr[-3000:]
    assert (tmp_path / "site/generative-ai/scaffold-check/index.html").exists()
    assert (tmp_path / "site/notebooks/scaffold-check/index.html").exists()

    again = subprocess.run(
        [sys.executable, "scripts/new_topic.py", "--phase", "2", "--id", "scaffold-check",
         "--title", "Again", "--description", "The same id a second time must be refused."],
        cwd=project, capture_output=True, text=True)
    assert again.returncode != 0 and "already exists" in again.stderr
