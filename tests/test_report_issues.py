"""The weekly health check files one issue per broken notebook and one for dead links, updates
them while the problem lasts, and closes them when it is gone (gh is replaced by a recorder)."""

from __future__ import annotations

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import report_issues  # noqa: E402

FREEZE = "numpy==9.9.9\ntorch==3.0.0\nsome-transitive-dep==1.0\n"


class FakeGh:
    def __init__(self, open_issues: dict[str, int]):
        self.open, self.calls = open_issues, []

    def __call__(self, *args: str) -> str:
        self.calls.append(args)
        if args[:2] == ("issue", "list"):
            return json.dumps([{"number": n, "title": t} for t, n in self.open.items()])
        return ""


def test_broken_notebook_gets_an_issue_and_a_fixed_one_is_closed():
    fixed = report_issues.NOTEBOOK_TITLE.format("b.ipynb")
    gh = FakeGh({fixed: 7})
    failures = [{"notebook": "a.ipynb", "cell": 3, "error": "a.ipynb: cell 3 failed: KeyError"}]
    report_issues.notebooks(gh, failures, ["a.ipynb", "b.ipynb"], FREEZE)
    created = [c for c in gh.calls if c[:2] == ("issue", "create")]
    assert len(created) == 1
    body = created[0][created[0].index("--body") + 1]
    assert report_issues.NOTEBOOK_TITLE.format("a.ipynb") in created[0]
    assert "cell 3" in body and "KeyError" in body and "numpy==9.9.9" in body
    assert "some-transitive-dep" not in body, "only the pinned stack is listed"
    assert ("issue", "close", "7", "--comment", "Runs again with the newest libraries.") in gh.calls


def test_a_notebook_still_broken_updates_its_issue_instead_of_opening_another():
    title = report_issues.NOTEBOOK_TITLE.format("a.ipynb")
    gh = FakeGh({title: 3})
    report_issues.notebooks(gh, [{"notebook": "a.ipynb", "cell": 1, "error": "boom"}],
                            ["a.ipynb"], FREEZE)
    assert not [c for c in gh.calls if c[:2] == ("issue", "create")]
    assert any(c[:3] == ("issue", "edit", "3") for c in gh.calls)


def test_dead_links_open_one_issue_and_clean_runs_close_it():
    gh = FakeGh({})
    report_issues.links(gh, "* [404] https://example.org/gone", failed=True)
    assert any(c[:2] == ("issue", "create") and report_issues.LINKS_TITLE in c for c in gh.calls)
    gh = FakeGh({report_issues.LINKS_TITLE: 11})
    report_issues.links(gh, "", failed=False)
    assert any(c[:3] == ("issue", "close", "11") for c in gh.calls)
