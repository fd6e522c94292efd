"""The linters of .pre-commit-config.yaml, run over the whole tree: ruff (code and notebooks),
codespell, and markdownlint with the Material-friendly rules of .markdownlint-cli2.yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_on_code_and_notebooks():
    result = run(str(BIN / "ruff"), "check", "--output-format", "concise",
                 "hooks", "scripts", "tests", "notebooks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_codespell():
    paths = ["hooks", "scripts", "tests", "docs", "includes", "README.md", ".github",
             "overrides/main.html", "overrides/partials", "overrides/assets/javascripts",
             "overrides/assets/stylesheets"]
    result = run(str(BIN / "codespell"), *paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_markdownlint():
    result = run(str(ROOT / "node_modules/.bin/markdownlint-cli2"),
                 "docs/**/*.md", "README.md", ".github/**/*.md")
    assert result.returncode == 0, result.stdout + result.stderr
