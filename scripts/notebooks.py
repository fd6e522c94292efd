"""Execute, check and badge the roadmap's notebooks.

    python scripts/notebooks.py execute [NOTEBOOK ...]   run each alone and offline, save outputs
    python scripts/notebooks.py check   [NOTEBOOK ...]   fail if outputs are stale or badges drift
    python scripts/notebooks.py badges                    rewrite the title-cell badges from mkdocs.yml
    python scripts/notebooks.py run --report FILE [NB ...] run each alone, save nothing, and write
                                                          the failures as JSON (the weekly job)

A notebook is executed as Colab opens it: copied alone into an empty folder, with no
network model hub and no API keys. Any attempt to reach another host fails the run, naming the
cell, even when the notebook catches the error. Before it runs, a notebook's provider cell (the
code cell that starts with catalogue.PROVIDER_MARKER) is replaced by
scripts/templates/provider.py, the one source of that cell. Its outputs are saved with
volatile metadata stripped, and a hash of its code cells is recorded in
metadata.roadmap.code_sha256 so the tests can tell when code changed after the outputs were
made.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))
import catalogue  # noqa: E402

CELL_TIMEOUT_S = 300
EXECUTE_COMMAND = "make notebooks"
# What the notebooks get in the environment: the frameworks must make no network calls.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "OTEL_SDK_DISABLED": "true",
    "ANONYMIZED_TELEMETRY": "False",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
# What caps a kernel's compute threads: OpenMP (torch), the BLAS libraries (NumPy), Rust's rayon
# (tokenizers).
THREAD_LIMITS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")
NO_KEYS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "HF_TOKEN",
           "PINECONE_API_KEY")

# Runs in the kernel before the first cell (an IPython startup file). Sockets to any host other
# than this machine are refused, and every attempt is logged for run_alone to report.
NETWORK_GUARD = """
import os as _os, socket as _socket

def _is_local(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in ("", "None", "localhost", "::1", "0.0.0.0") or host.startswith("127.")

def _refuse(host):
    with open(_os.environ["ROADMAP_NETWORK_LOG"], "a") as log:
        log.write(f"{host}\\n")
    raise OSError(f"network access refused in an offline run: {host}")

_getaddrinfo = _socket.getaddrinfo
def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)
_socket.getaddrinfo = _guarded_getaddrinfo

def _guard(method):
    def guarded(self, address):
        if self.family in (_socket.AF_INET, _socket.AF_INET6) and not _is_local(address[0]):
            _refuse(address[0])
        return method(self, address)
    return guarded
_socket.socket.connect = _guard(_socket.socket.connect)
_socket.socket.connect_ex = _guard(_socket.socket.connect_ex)
"""


class NotebookError(RuntimeError):
    """A notebook failed: names the file, the cell and the error."""

    def __init__(self, name: str, cell: int, error: str, source: str = ""):
        # All four in args, so the error survives the trip back from a worker process.
        super().__init__(name, cell, error, source)
        self.name, self.cell = name, cell

    def __str__(self) -> str:
        name, cell, error, source = self.args
        first = source.strip().splitlines()[0] if source.strip() else ""
        return f"{name}: cell {cell} ({first[:60]!r}) failed: {error}"


def code_hash(nb) -> str:
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256("\n\x00\n".join(sources).encode("utf-8")).hexdigest()


# Run in the kernel after the last cell: the versions of the pinned libraries the notebook
# imported, recorded in its metadata and shown on its page.
VERSIONS_PROBE = """
import importlib.metadata as _md, json as _json, platform as _platform, sys as _sys
_dists = _md.packages_distributions()
_used = {d for m in list(_sys.modules) for d in _dists.get(m.split(".")[0], [])}
print(_json.dumps({"python": _platform.python_version(), "libraries": {
    d: _md.version(d) for d in sorted(_used, key=str.lower) if d.lower() in %r}}))
"""


def pinned_libraries() -> list[str]:
    """Distribution names pinned in requirements-notebooks.txt, lower-cased, without the
    machinery that runs notebooks."""
    lines = (catalogue.ROOT / "requirements-notebooks.txt").read_text(encoding="utf-8").splitlines()
    names = [line.split("==")[0].strip().lower() for line in lines
             if "==" in line and not line.lstrip().startswith("#")]
    return [n for n in names if n not in {"ipykernel", "nbclient", "nbformat"}]


def provider_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.source.startswith(catalogue.PROVIDER_MARKER)]


def sync_provider(nb) -> bool:
    """Replace every provider cell with the one source; True when something changed."""
    source = catalogue.PROVIDER_SOURCE.read_text(encoding="utf-8").rstrip("\n")
    changed = False
    for index in provider_cells(nb):
        changed |= nb.cells[index].source != source
        nb.cells[index].source = source
    return changed


def run_alone(path: Path, timeout: int = CELL_TIMEOUT_S,
              threads: int | None = None) -> nbformat.NotebookNode:
    """Execute a copy of the notebook in an empty temporary folder; return it with outputs.
    `threads` caps the kernel's compute threads (default: the libraries use every core)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    sync_provider(nb)
    limits = {name: str(threads) for name in THREAD_LIMITS} if threads else {}
    saved = {k: os.environ.get(k) for k in [*OFFLINE_ENV, *NO_KEYS, *THREAD_LIMITS, "IPYTHONDIR",
                                            "ROADMAP_NETWORK_LOG"]}
    os.environ.update(OFFLINE_ENV | limits)
    for key in NO_KEYS:
        os.environ.pop(key, None)
    try:
        with tempfile.TemporaryDirectory(prefix="notebook-") as tmp, \
                tempfile.TemporaryDirectory(prefix="notebook-ipython-") as ipython:
            startup = Path(ipython) / "profile_default" / "startup"
            startup.mkdir(parents=True)
            (startup / "00-offline.py").write_text(NETWORK_GUARD, encoding="utf-8")
            network_log = Path(ipython) / "network.log"
            network_log.touch()
            os.environ["IPYTHONDIR"], os.environ["ROADMAP_NETWORK_LOG"] = ipython, str(network_log)
            shutil.copy(path, Path(tmp) / path.name)
            # The kernel's start gets the cell's limit too: started beside another kernel on a
            # loaded machine, one took over nbclient's default minute to answer.
            client = NotebookClient(nb, timeout=timeout, startup_timeout=timeout,
                                    kernel_name="python3", resources={"metadata": {"path": tmp}})
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        raise NotebookError(path.name, index, f"timed out after {timeout} s",
                                            cell.source) from None
                    except CellExecutionError as exc:
                        error = f"{exc.ename}: {exc.evalue}"
                        raise NotebookError(path.name, index, error, cell.source) from None
                    finally:
                        hosts = network_log.read_text(encoding="utf-8").split()
                    if hosts:
                        error = f"tried to reach the network ({', '.join(sorted(set(hosts)))})"
                        raise NotebookError(path.name, index, error, cell.source)
                probe = nbformat.v4.new_code_cell(VERSIONS_PROBE % (pinned_libraries(),))
                nb.cells.append(probe)
                client.execute_cell(probe, len(nb.cells) - 1)
                nb.cells.pop()
                text = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
                environment = json.loads(text)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    nb.metadata.setdefault("roadmap", {})["environment"] = environment
    return nb


def recorded_seconds(path: Path) -> float:
    """How long the notebook's last `execute` took; infinite if it was never timed."""
    nb = nbformat.read(path, as_version=4)
    return nb.metadata.get("roadmap", {}).get("seconds", float("inf"))


def _timed_run(path: Path, threads: int, timeout: int) -> float:
    start = time.perf_counter()
    run_alone(path, timeout, threads)
    return time.perf_counter() - start


def start_side_by_side(paths: list[Path], workers: int):
    """Start running the notebooks alone, `workers` at a time; return the pool and
    {path: future of its run time in seconds}. Each kernel gets its share of the cores: two
    kernels that each spread over every core slow each other down many times over. A cell's
    time limit grows in proportion, since it runs with a share of the machine. The longest runs
    (as recorded by `execute`) start first, so that a short one ends the suite."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cores = os.cpu_count() or 1
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    longest_first = sorted(paths, key=lambda p: -recorded_seconds(p))
    threads, timeout = max(1, cores // workers), CELL_TIMEOUT_S * workers
    futures = {path: pool.submit(_timed_run, path, threads, timeout) for path in longest_first}
    return pool, futures


def strip_volatile(nb) -> None:
    """Drop what changes from run to run without meaning anything: run metadata, and how the
    kernel happened to split a cell's printed text into chunks (consecutive chunks of one
    stream become one output, so a page shows one block)."""
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.output_type == "stream" and previous is not None
                    and previous.output_type == "stream" and previous.name == output.name):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)


def badge_cell_source(config: dict, notebook: str, owner: catalogue.Page | None) -> str:
    """The badge line under the title: Open in Colab, and the lesson's page on the site."""
    colab = catalogue.colab_url(config, notebook)
    line = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})"
    if owner is not None:
        lesson = config["site_url"].rstrip("/") + "/" + owner.url
        line += f" [![Read the lesson](https://img.shields.io/badge/read-the%20lesson-673ab7)]({lesson})"
    return line


BADGE_START, BADGE_END = "<!-- badges -->", "<!-- /badges -->"


def with_badges(source: str, badges: str) -> str:
    """Title-cell source with the badge block replaced (or added after the H1)."""
    block = f"{BADGE_START}\n{badges}\n{BADGE_END}"
    if BADGE_START in source and BADGE_END in source:
        head, rest = source.split(BADGE_START, 1)
        return head + block + rest.split(BADGE_END, 1)[1]
    lines = source.split("\n")
    return "\n".join(lines[:1] + ["", block] + lines[1:])


def sync_badges(nb, path: Path, config: dict, cat: catalogue.Catalogue) -> bool:
    notebook = f"notebooks/{path.name}"
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.startswith("# "):
        raise NotebookError(path.name, 0, "the first cell must be a Markdown cell with the '# Title'")
    new = with_badges(first.source, badge_cell_source(config, notebook, cat.notebook_owner(notebook)))
    changed = new != first.source
    first.source = new
    return changed


def problems(path: Path, config: dict, cat: catalogue.Catalogue) -> list[str]:
    """Why a committed notebook does not match its code or the site configuration."""
    nb = nbformat.read(path, as_version=4)
    found = []
    recorded = nb.metadata.get("roadmap", {}).get("code_sha256")
    if sync_provider(nb):
        found.append(f"{path.name}: the provider cell differs from scripts/templates/provider.py: "
                     f"run {EXECUTE_COMMAND} NB=notebooks/{path.name}")
    elif recorded != code_hash(nb):
        found.append(f"{path.name}: outputs are stale (code changed since they were made): "
                     f"run {EXECUTE_COMMAND} NB=notebooks/{path.name}")
    unexecuted = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  and c.source.strip() and c.execution_count is None]
    if unexecuted:
        found.append(f"{path.name}: code cells {unexecuted} have no outputs: run {EXECUTE_COMMAND}")
    try:
        if sync_badges(nb, path, config, cat):
            found.append(f"{path.name}: badges do not match mkdocs.yml: run make badges")
    except NotebookError as exc:
        found.append(str(exc))
    return found


def execute(paths: list[Path]) -> int:
    config, cat = catalogue.site_config(), catalogue.load()
    failures = 0
    for path in paths:
        start = time.perf_counter()
        print(f"executing {path} ...", flush=True)
        try:
            nb = run_alone(path)
        except NotebookError as exc:
            print(f"  FAILED: {exc}", flush=True)
            failures += 1
            continue
        took = time.perf_counter() - start
        strip_volatile(nb)
        sync_badges(nb, path, config, cat)
        # The run time is shown on the notebook's page, and orders the test suite's runs.
        nb.metadata["roadmap"] = {"code_sha256": code_hash(nb),
                                  "executed": time.strftime("%Y-%m-%d", time.gmtime()),
                                  "seconds": round(took), "cores": os.cpu_count(),
                                  "environment": nb.metadata["roadmap"]["environment"]}
        nbformat.write(nb, path)
        size = path.stat().st_size / 1024
        print(f"  ok in {took:.1f} s, {size:.0f} KB", flush=True)
    return 1 if failures else 0


def run_and_report(paths: list[Path], report: Path) -> int:
    """Run each notebook alone without saving it; write [{notebook, cell, error}] to `report`."""
    failures = []
    for path in paths:
        print(f"running {path} ...", flush=True)
        try:
            run_alone(path)
        except NotebookError as exc:
            print(f"  FAILED: {exc}", flush=True)
            failures.append({"notebook": path.name, "cell": exc.cell, "error": str(exc)})
    report.write_text(json.dumps(failures, indent=2) + "\n", encoding="utf-8")
    print(f"{len(failures)} of {len(paths)} notebooks failed")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["execute", "check", "badges", "run"])
    parser.add_argument("--report", type=Path, default=Path("notebook-failures.json"),
                        help="where `run` writes its failures")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to act on (default: all of notebooks/)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(catalogue.NOTEBOOKS.glob("*.ipynb"))
    if args.command == "execute":
        return execute(paths)
    if args.command == "run":
        return run_and_report(paths, args.report)
    config, cat = catalogue.site_config(), catalogue.load()
    if args.command == "badges":
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            if sync_badges(nb, path, config, cat):
                nbformat.write(nb, path)
                print(f"updated badges: {path}")
        return 0
    found = [p for path in paths for p in problems(path, config, cat)]
    print("\n".join(found) or f"{len(paths)} notebooks are fresh")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
