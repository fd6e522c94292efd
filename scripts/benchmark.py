"""Print the numbers the site is held to: build times, notebook run times, page and index sizes.

    python scripts/benchmark.py               # builds and sizes
    python scripts/benchmark.py --lighthouse  # also Lighthouse (mobile preset, median of 3)
    python scripts/benchmark.py --notebooks   # also runs the notebook suite as the tests do
    python scripts/benchmark.py --lighthouse --record includes/measurements.md
                                              # also write the results as the Markdown that the
                                              # page "How this site is built" includes

Targets (checked by a person reading this output, not by timed tests): full cold build <= 15 s,
the notebook suite <= 20 minutes and each notebook <= 3 minutes alone; Lighthouse performance
>= 95 on the home and topic pages and >= 90 on notebook pages, accessibility, best practices and
SEO 100, LCP <= 2.5 s, TBT <= 200 ms, CLS <= 0.05. The site is served gzip-compressed from
127.0.0.1, as a static host serves it.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
sys.path.insert(0, str(ROOT / "scripts"))


def timed_build(site: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                   cwd=ROOT, env=env, check=True)
    return time.perf_counter() - start


PEERS = """\
| site | pages | cold build | median page HTML | perf (home / content) | a11y |
| --- | --- | --- | --- | --- | --- |
| madewithml.com (MkDocs Material) | 63 | 5.3 s | 88 KB | 65 / 72 | 68 / 82 |
| Material for MkDocs' own docs | 108 | 9.7 s | 77 KB | 80 / 59 | 93 / 83 |
| DSPy docs (mkdocs-jupyter, 20 notebooks) | 171 | 40 s (34 s warm) | 132 KB | 82 / 56 | 93 / 90 |"""

COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it, with a short cache life."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix not in COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


def lighthouse(url: str, runs: int = 3) -> dict:
    """Median of `runs` sequential Lighthouse runs (mobile preset) of one URL."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            ["npx", "--no-install", "lighthouse", url, "--quiet", "--output=json",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
            cwd=ROOT, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            capture_output=True, text=True, check=True)
        report = json.loads(out.stdout)
        audits = report["audits"]
        results.append({
            **{k: round(v["score"] * 100) for k, v in report["categories"].items()},
            "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "tbt": audits["total-blocking-time"]["numericValue"],
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "bytes": audits["total-byte-weight"]["numericValue"],
        })
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


LIGHTHOUSE_HEAD = ["| page | perf | a11y | best practices | SEO | LCP | TBT | CLS | transfer |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]


def lighthouse_table(site: Path, pages: list[str]) -> list[str]:
    """Lighthouse each page; print and return the Markdown table rows."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    print("\nLighthouse 12.2.3, mobile preset, median of 3 runs:")
    print("\n".join(LIGHTHOUSE_HEAD))
    rows = []
    try:
        for page in pages:
            r = lighthouse(base + page)
            rows.append(f"| {page or '(home)'} | {r['performance']:.0f} | {r['accessibility']:.0f} | "
                        f"{r['best-practices']:.0f} | {r['seo']:.0f} | {r['lcp']:.1f} s | "
                        f"{r['tbt']:.0f} ms | {r['cls']:.3f} | {r['bytes'] / 1024:.0f} KB |")
            print(rows[-1], flush=True)
    finally:
        server.shutdown()
    print("\nPeers, as measured on the same kind of machine:\n" + PEERS)
    return rows


def serve_rebuild(page: str = "docs/fundamentals/programming.md") -> float:
    """Seconds from saving an edited page to `mkdocs serve` serving the new version, run as
    `make serve` runs it (rebuilding only the saved page)."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/" + page.removeprefix("docs/").removesuffix(".md") + "/"
    source = ROOT / page
    original = source.read_text(encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"http://127.0.0.1:{port}/"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def served() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            return ""

    try:
        deadline = time.time() + 300
        while not served() and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # let the watcher settle after the first build
        marker = f"benchmark-edit-{time.time_ns()}"
        start = time.perf_counter()
        source.write_text(original + f"\n{marker}\n", encoding="utf-8")
        while marker not in served():
            if time.time() > deadline:
                raise TimeoutError(f"mkdocs serve did not rebuild {page}")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        source.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait()


def machine() -> str:
    """The CPU, its cores and its load when the measurement started: the numbers depend on them."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next((line.split(":", 1)[1].strip() for line in lines
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores of {model}, load average {load:.1f} at the start"


def record(path: Path, where: str, facts: dict[str, tuple[str, str]], rows: list[str]) -> None:
    """The measurements as Markdown, for the page that reports them; facts map each measure
    to (ours, target)."""
    lines = [f"Measured on {time.strftime('%Y-%m-%d')}, {where}, by `make benchmark`.", "",
             "| measure | ours | target |", "| --- | --- | --- |",
             *(f"| {k} | {ours} | {target} |" for k, (ours, target) in facts.items()), ""]
    if rows:
        lines += ["Lighthouse 12.2.3, default mobile preset (simulated slow 4G and a 4x slower CPU), "
                  "median of 3 sequential runs; the site served gzip-compressed from 127.0.0.1:", "",
                  *LIGHTHOUSE_HEAD, *rows, ""]
    lines += ["The peers, measured on the same kind of machine with the same Lighthouse preset:", "",
              PEERS, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwrote {path}")


def sample_pages(site: Path) -> list[str]:
    """The home page, every topic page (the targets hold for each) and the two heaviest
    notebook pages."""
    import catalogue

    topics = sorted(t.url for t in catalogue.load().topics)
    notebooks = sorted((p.parent.relative_to(site).as_posix() + "/"
                        for p in (site / "notebooks").glob("*/index.html")),
                       key=lambda u: -(site / u / "index.html").stat().st_size)
    return ["", *topics, *notebooks[:2]]


def kb(n: int) -> str:
    return f"{n / 1024:8.1f} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", action="store_true", help="also time the notebook suite")
    parser.add_argument("--lighthouse", action="store_true",
                        help="also run Lighthouse on a sample of pages (or those of --page)")
    parser.add_argument("--page", action="append", default=[],
                        help="a site path to measure with Lighthouse, e.g. notebooks/programming/")
    parser.add_argument("--record", type=Path,
                        help="also write the results to this Markdown file (includes/measurements.md)")
    args = parser.parse_args()

    where = machine()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.rmtree(ROOT / ".cache" / "mkdocs-jupyter", ignore_errors=True)
        cold = timed_build(site)
        warm = timed_build(site)
        print(f"cold build (empty notebook cache): {cold:6.2f} s   target <= 15 s")
        print(f"warm build (cache filled):         {warm:6.2f} s")
        rebuild = serve_rebuild()
        print(f"mkdocs serve, one page edited:     {rebuild:6.2f} s   target <= 3 s")

        pages = sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)
        print(f"\n{len(pages)} pages, own HTML size (and gzip-compressed, as served):")
        served = {page: len(gzip.compress(page.read_bytes(), 6)) for page in pages}  # as Handler does
        for page in pages:
            rel = page.parent.relative_to(site).as_posix() or "(home)"
            heavy = rel.startswith("notebooks/") and page.stat().st_size > 150 * 1024
            flag = "  > 150 KB target" if heavy else ""
            print(f"  {kb(page.stat().st_size)} ({kb(served[page]).strip()})  {rel}{flag}")
        notebook_pages = [p for p in pages if p.parent.parent.name == "notebooks"]
        largest_notebook = max(notebook_pages, key=lambda p: p.stat().st_size)
        within = sum(p.stat().st_size <= 150 * 1024 for p in notebook_pages)
        print(f"notebook pages within 150 KB of HTML: {within} of {len(notebook_pages)}")
        largest = max(pages, key=lambda p: p.stat().st_size)
        print(f"largest page: {largest.parent.relative_to(site).as_posix()} "
              f"({kb(largest.stat().st_size).strip()})")
        index = site / "search" / "search_index.json"
        print(f"search index: {kb(index.stat().st_size).strip()}")
        shared = site / "assets" / "stylesheets" / "notebook.css"
        if shared.exists():
            print(f"shared notebook stylesheet: {kb(shared.stat().st_size).strip()}")
        sizes = sorted(p.stat().st_size for p in pages)
        median = kb(int(statistics.median(sizes))).strip()
        print(f"median page HTML: {median}")
        rows = []
        if args.lighthouse or args.page:
            rows = lighthouse_table(site, args.page or sample_pages(site))
        if args.record:
            record(args.record, where, {
                "pages": (f"{len(pages)}", "-"),
                "cold build (empty notebook cache)": (f"{cold:.1f} s", "<= 15 s"),
                "warm build": (f"{warm:.1f} s", "-"),
                "`mkdocs serve`: one page edited to new page served": (f"{rebuild:.1f} s", "<= 3 s"),
                "median page HTML": (median, "-"),
                "largest page HTML": (kb(largest.stat().st_size).strip(), "-"),
                "largest notebook page HTML (gzip-compressed)": (
                    f"{kb(largest_notebook.stat().st_size).strip()} "
                    f"({kb(served[largest_notebook]).strip()})", "<= 150 KB"),
                "notebook pages within 150 KB of HTML": (f"{within} of {len(notebook_pages)}", "all"),
                "search index": (kb(index.stat().st_size).strip(), "<= 1 MB"),
            }, rows)

    if args.notebooks:
        import notebooks as tool

        paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
        print("\nnotebooks, each alone with every core (recorded by its last `make notebooks`):")
        for seconds, path in sorted(((tool.recorded_seconds(p), p) for p in paths), reverse=True):
            print(f"  {seconds:7.0f} s  {path.name}")
        workers = os.cpu_count() or 1
        start = time.perf_counter()
        pool, futures = tool.start_side_by_side(paths, workers)
        with pool:
            for future in futures.values():
                future.result()
        print(f"notebook suite, {workers} at a time as the tests run it: "
              f"{time.perf_counter() - start:.0f} s   target <= 1200 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
