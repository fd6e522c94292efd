"""Print the numbers the site is held to: build times, notebook run times, page and index sizes.

    python scripts/benchmark.py              # builds and sizes
    python scripts/benchmark.py --notebooks  # also runs every notebook alone and times it

Targets (checked by a person reading this output, not by timed tests): full cold build <= 15 s,
a notebook page's own HTML <= 150 KB, the notebook suite <= 20 minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
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


def kb(n: int) -> str:
    return f"{n / 1024:8.1f} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", action="store_true", help="also time the notebook suite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.rmtree(ROOT / ".cache" / "mkdocs-jupyter", ignore_errors=True)
        cold = timed_build(site)
        warm = timed_build(site)
        print(f"cold build (empty notebook cache): {cold:6.2f} s   target <= 15 s")
        print(f"warm build (cache filled):         {warm:6.2f} s")

        pages = sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)
        print(f"\n{len(pages)} pages, own HTML size:")
        for page in pages:
            rel = page.parent.relative_to(site).as_posix() or "(home)"
            heavy = rel.startswith("notebooks/") and page.stat().st_size > 150 * 1024
            flag = "  > 150 KB target" if heavy else ""
            print(f"  {kb(page.stat().st_size)}  {rel}{flag}")
        largest = max(pages, key=lambda p: p.stat().st_size)
        print(f"largest page: {largest.parent.relative_to(site).as_posix()} "
              f"({kb(largest.stat().st_size).strip()})")
        index = site / "search" / "search_index.json"
        print(f"search index: {kb(index.stat().st_size).strip()}")
        shared = site / "assets" / "stylesheets" / "notebook.css"
        if shared.exists():
            print(f"shared notebook stylesheet: {kb(shared.stat().st_size).strip()}")

    if args.notebooks:
        import notebooks as tool

        print("\nnotebooks, each run alone and offline:")
        total = 0.0
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            start = time.perf_counter()
            tool.run_alone(path)
            took = time.perf_counter() - start
            total += took
            print(f"  {took:7.1f} s  {path.name}")
        print(f"notebook suite: {total:.1f} s   target <= 1200 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
