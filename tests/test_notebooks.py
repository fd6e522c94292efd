"""Notebooks: each runs alone and offline and passes its own checks; committed outputs are
fresh; each follows the template; and the notebook tool reports failures precisely."""

from __future__ import annotations

import os
import re

import nbformat
import pytest

import catalogue
import notebooks as tool

NOTEBOOKS = sorted(catalogue.NOTEBOOKS.glob("*.ipynb"))
MAX_BYTES = 1_000_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_alone_offline(path, notebook_runs, record_property):
    """Copied alone into an empty folder, no network, no keys: every cell and check passes."""
    record_property("seconds", notebook_runs[path].result())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_fresh_and_badges_current(path, cat, config):
    assert tool.problems(path, config, cat) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_follows_the_template(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "colab.research.google.com" in cells[0].source
    setup = cells[1]
    assert setup.cell_type == "code" and '"google.colab" in sys.modules' in setup.source, \
        "the second cell installs only in Colab"
    assert not re.search(r"pip[\"', ]+install[^\n]*\btorch\b", setup.source), "never reinstall torch"
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert "CONFIG" in code and re.search(r"seed", code), "a CONFIG cell with seeds"
    # The provider cell imports torch only to run a hub model greedily online; the rule is for
    # the notebook's own torch code.
    own = "\n".join(c.source for i, c in enumerate(cells)
                    if c.cell_type == "code" and i not in tool.provider_cells(nb))
    if "import torch" in own:
        assert "torch.manual_seed" in own and "cuda" in code, "seeds torch and uses CUDA when present"
    headings = [(i, line.strip()) for i, c in enumerate(cells) if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    names = [h for _, h in headings]
    assert "## Checks" in names and names[-1] == "## Summary", names
    checks = next(i for i, h in headings if h == "## Checks")
    assert any(c.cell_type == "code" and "assert " in c.source for c in cells[checks:]), \
        "the Checks section asserts what the notebook taught"
    assert not re.search(r"\bfetch_\w+\(", code), "scikit-learn's fetch_* functions download data"
    # The suite runs notebooks side by side, each kernel held to its share of the cores.
    assert all(int(n) <= 1 for n in re.findall(r"set_num_threads\((\d+)\)", code)), \
        "never raises the thread count"


def test_printed_text_is_saved_as_one_block():
    """How the kernel splits a cell's printed text into chunks varies from run to run: saved
    notebooks hold one output per stream, so the page shows one block and stays the same."""
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("print(1); print(2)", outputs=[
        out("stream", name="stdout", text="1\n"), out("stream", name="stdout", text="2\n"),
        out("stream", name="stderr", text="warning\n"), out("stream", name="stdout", text="3\n")])
    nb = nbformat.v4.new_notebook(cells=[cell])
    tool.strip_volatile(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "1\n2\n"), ("stderr", "warning\n"), ("stdout", "3\n")]
    for path in NOTEBOOKS:
        for index, c in enumerate(nbformat.read(path, as_version=4).cells):
            names = [o.get("name") for o in c.get("outputs", [])]
            pairs = zip(names, names[1:], strict=False)
            assert all(a is None or a != b for a, b in pairs), (path.name, index)


def _notebook(tmp_path, sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_failure_names_notebook_cell_and_error(tmp_path):
    path = _notebook(tmp_path, ["x = 1", "assert x == 2, 'x should be two'"])
    with pytest.raises(tool.NotebookError) as err:
        tool.run_alone(path)
    message = str(err.value)
    assert "broken.ipynb" in message and "cell 1" in message and "x should be two" in message


def test_failure_side_by_side_names_notebook_cell_and_error(tmp_path):
    """The suite runs notebooks in worker processes: the error comes back whole."""
    share = str(max(1, (os.cpu_count() or 1) // 2))
    path = _notebook(tmp_path, ["import os; threads = os.environ['OMP_NUM_THREADS']",
                                f"assert threads == '{share}', threads", "assert False, 'checked'"])
    pool, futures = tool.start_side_by_side([path], workers=2)
    with pool, pytest.raises(tool.NotebookError) as err:
        futures[path].result()
    assert str(err.value).startswith("broken.ipynb: cell 2 (") and "AssertionError: checked" in str(err.value)


def test_cell_timeout_is_reported(tmp_path):
    path = _notebook(tmp_path, ["import time; time.sleep(30)"])
    with pytest.raises(tool.NotebookError, match="cell 0 .*timed out after 2 s"):
        tool.run_alone(path, timeout=2)


def test_runs_in_an_empty_folder_without_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    (tmp_path / "neighbour.txt").write_text("repo files are not beside a Colab notebook")
    path = _notebook(tmp_path, [
        "import os\nassert os.listdir('.') == ['broken.ipynb'], os.listdir('.')",
        "assert 'OPENAI_API_KEY' not in os.environ and os.environ['HF_HUB_OFFLINE'] == '1'",
    ])
    tool.run_alone(path)


def test_stale_outputs_are_detected(tmp_path, cat, config):
    path = NOTEBOOKS[0]
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.source += "\n# an edit made after the outputs"
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    found = tool.problems(copy, config, cat)
    assert any("outputs are stale" in p and "make notebooks" in p for p in found), found


def test_network_access_fails_the_run_even_when_caught(tmp_path):
    """A library that swallows its connection error still fails the offline run, by name."""
    path = _notebook(tmp_path, [
        "x = 1",
        "import urllib.request\ntry:\n    urllib.request.urlopen('http://example.com', timeout=2)\n"
        "except OSError:\n    pass",
    ])
    with pytest.raises(tool.NotebookError, match=r"cell 1 .*network \(example\.com\)"):
        tool.run_alone(path)


def test_local_sockets_stay_allowed(tmp_path):
    path = _notebook(tmp_path, [
        "import socket\nserver = socket.create_server(('127.0.0.1', 0))\n"
        "client = socket.create_connection(server.getsockname())\nclient.close(); server.close()",
    ])
    tool.run_alone(path)


PROVIDER = catalogue.PROVIDER_SOURCE.read_text(encoding="utf-8").rstrip("\n")
PHASE_3 = [p for p in NOTEBOOKS if (o := catalogue.load().notebook_owner(f"notebooks/{p.name}"))
           and o.meta.get("phase") == 3]


@pytest.mark.parametrize("path", PHASE_3, ids=lambda p: p.name)
def test_phase_3_notebooks_carry_the_one_provider_cell(path):
    nb = nbformat.read(path, as_version=4)
    cells = tool.provider_cells(nb)
    assert len(cells) == 1, f"{path.name}: one provider cell, starting with {catalogue.PROVIDER_MARKER!r}"
    assert nb.cells[cells[0]].source == PROVIDER, \
        f"{path.name}: provider cell drifted from {catalogue.PROVIDER_SOURCE.name}: run make notebooks"


def test_provider_drift_is_reported(tmp_path, cat, config):
    path = NOTEBOOKS[0]
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(PROVIDER.replace("gpt-4o-mini", "other-model")))
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    found = tool.problems(copy, config, cat)
    assert any("provider cell differs" in p for p in found), found


def test_provider_falls_back_to_a_stand_in_that_says_so(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    scope: dict = {}
    exec(PROVIDER, scope)
    model = scope["load_chat_model"](lambda messages: messages[-1]["content"].upper(), "Echoes.")
    assert model.kind == "stand-in" and model.chat([{"role": "user", "content": "hi"}]) == "HI"
    assert "STAND-IN, not a language model" in capsys.readouterr().out


def test_a_run_records_the_versions_of_the_libraries_it_used(tmp_path):
    path = _notebook(tmp_path, ["import numpy, sklearn"])
    env = tool.run_alone(path).metadata["roadmap"]["environment"]
    assert env["python"].count(".") == 2
    # scikit-learn imports scipy and pandas itself; torch, never imported, is not listed.
    assert {"numpy", "scikit-learn", "scipy"} <= set(env["libraries"]), env["libraries"]
    assert "torch" not in env["libraries"] and "ipykernel" not in env["libraries"]
