"""Shared fixtures: the repository, its catalogue, and one strict build of the site."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
sys.path.insert(0, str(ROOT / "scripts"))

import catalogue  # noqa: E402

MKDOCS = [sys.executable, "-m", "mkdocs"]


def build(root: Path, site_dir: Path, site_url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if site_url:
        env["SITE_URL"] = site_url
    return subprocess.run([*MKDOCS, "build", "--strict", "-q", "-d", str(site_dir)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def copy_project(dest: Path, *, notebook_cache: bool = False) -> Path:
    """A copy of the project to change and build: everything but the environment, the history
    and built output (and, unless asked for, the notebook cache, so the copy builds cold)."""
    ignored = [".venv", "node_modules", ".git", "site", "__pycache__", ".pytest_cache", ".ruff_cache"]
    if not notebook_cache:
        ignored.append(".cache")
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(*ignored))
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def at(url: str):
    """A URL matcher for `page.wait_for_url` that ignores the fragment: with
    `navigation.tracking` the theme writes the heading in view into the address as soon as a
    page has scrolled."""
    return lambda current: current.split("#")[0] == url


def scroll_through(page) -> None:
    """Scroll to the bottom a screen at a time, as a reader does: math and diagrams are
    rendered only when they come near the viewport."""
    page.evaluate("""async () => {
        for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
            window.scrollTo(0, y);
            await new Promise(r => setTimeout(r, 50));
        }
    }""")


def scroll_to(page, selector: str) -> None:
    """Bring the first match into view (by script: a diagram's element is replaced while it is
    drawn, which a locator's own scrolling would trip over)."""
    page.evaluate("s => document.querySelector(s).scrollIntoView()", selector)


@pytest.fixture(scope="session")
def cat() -> catalogue.Catalogue:
    return catalogue.load()


@pytest.fixture(scope="session")
def config() -> dict:
    return catalogue.site_config()


@pytest.fixture(scope="session")
def site_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def site(tmp_path_factory, site_port) -> Path:
    """The site, built once with --strict, for the origin the browser tests serve it at."""
    out = tmp_path_factory.mktemp("site")
    result = build(ROOT, out, f"http://127.0.0.1:{site_port}/")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-4000:]}"
    return out


@contextlib.contextmanager
def served(directory: Path, port: int):
    """Serve a built site on 127.0.0.1 only; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def served_site(site, site_port):
    """The built site, for the browser tests."""
    with served(site, site_port) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# --- The browser: Debian's chromium, driven by playwright (never `playwright install`) --------

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("google-chrome")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise AssertionError("no chromium: `make test` installs Debian's chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=_chromium(), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, served_site, request):
    """A fresh browser context; fails the test if any request leaves 127.0.0.1 or a script throws."""
    scheme = getattr(request, "param", "light")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                                  accept_downloads=True)
    tab = context.new_page()
    tab.requests = []
    tab.errors = []
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    outside = [u for u in tab.requests
               if not u.startswith((served_site, "data:", "blob:", "about:"))]
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"


# --- Notebooks: run side by side, one per core; times printed at the end ----------------------
# Targets: the suite <= 20 min; each notebook <= 3 min on its own (scripts/benchmark.py
# --notebooks times each alone, with every core).

_notebook_seconds: dict[str, float] = {}
_notebook_suite: dict[str, float] = {}


@pytest.fixture(scope="session")
def notebook_runs(request):
    """{path: future of its run time}: every selected notebook starts at the first request,
    one per core, while the tests take their results in order."""
    import notebooks as tool

    paths = [item.callspec.params["path"] for item in request.session.items
             if item.originalname == "test_runs_alone_offline"]
    _notebook_suite["start"] = time.perf_counter()
    _notebook_suite["workers"] = workers = os.cpu_count() or 1
    pool, futures = tool.start_side_by_side(paths, workers)
    yield futures
    pool.shutdown(cancel_futures=True)


def pytest_runtest_logreport(report):
    if report.when == "call" and "test_runs_alone_offline[" in report.nodeid:
        _notebook_suite["end"] = time.perf_counter()
        seconds = dict(report.user_properties).get("seconds")
        if seconds is not None:
            _notebook_seconds[report.nodeid.split("[", 1)[1].rstrip("]")] = seconds


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    wall = _notebook_suite["end"] - _notebook_suite["start"]
    slowest = sorted(_notebook_seconds.items(), key=lambda item: -item[1])[:5]
    terminalreporter.write_sep("-", "notebooks run alone and offline")
    terminalreporter.write_line(
        f"{len(_notebook_seconds)} notebook(s) in {wall / 60:.1f} min, "
        f"{_notebook_suite['workers']} at a time (target: the suite <= 20 min); slowest, "
        f"each on its share of the cores:")
    for name, seconds in slowest:
        terminalreporter.write_line(f"  {seconds:6.1f} s  {name}")
