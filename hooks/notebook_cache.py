"""Converting notebooks to HTML for a build, faster than mkdocs-jupyter does it alone.

- nbconvert's last pass over each rendered notebook parses it with the pure-Python
  BeautifulSoup parser only to add alt text and tabindex: `QuickSoup` makes the same two edits
  on the text (that pass took about half of a cold build).
- On a cold build, notebooks missing from mkdocs-jupyter's cache are converted in parallel, one
  process per core, and written to the cache under the plugin's own key, where the plugin then
  finds them instead of converting them one by one.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from nbconvert.exporters import html as nbconvert_html

OUTPUT_CLASS = r'[^"]*\bjp-OutputArea-output\b[^"]*'  # the class attribute of a cell output's <div>
IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
FOCUSABLE = re.compile(rf'(<div class="(?:jp-Cell-inputWrapper|{OUTPUT_CLASS})")')
# The options mkdocs-jupyter passes to its converter (and hashes into its cache key).
CONVERT_OPTIONS = ("kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt",
                   "remove_tag_config", "highlight_extra_classes", "include_requirejs",
                   "custom_mathjax_url")


class QuickSoup:
    """Stands in for BeautifulSoup at the end of nbconvert's HTML export."""

    def __init__(self, html: str, features: str | None = None):
        self.html = html

    def select(self, selector: str) -> list:
        return []

    def __str__(self) -> str:
        html = IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"',
                                   self.html)
        return FOCUSABLE.sub(r'\1 tabindex="0"', html)


def use_quick_soup() -> None:
    nbconvert_html.BeautifulSoup = QuickSoup


def fill_cache(notebooks: list[Path], jupyter) -> int:
    """Convert the notebooks that are not in the cache of the mkdocs-jupyter plugin `jupyter`,
    in parallel; return how many.

    Leaves the cache alone when the plugin executes notebooks or caches nothing: the plugin
    then does its own work, as it would without this function.
    """
    from mkdocs_jupyter import plugin

    plugin_config = jupyter.config
    if plugin_config["execute"] or not plugin_config["cache"]:
        return 0
    jobs = []
    for path in notebooks:
        key = plugin._compute_cache_key(str(path), plugin_config, False)
        cache_path = plugin._get_cache_path(plugin_config["cache_dir"], key)
        # Counted as used even when `mkdocs serve --dirty` skips the page: the plugin evicts
        # every cache file a build did not use, and would otherwise empty the cache.
        getattr(jupyter, "_used_cache_paths", set()).add(cache_path)
        if not cache_path.exists():
            options = {name: plugin_config[name] for name in CONVERT_OPTIONS}
            jobs.append((str(path), str(cache_path), options, plugin_config["toc_depth"]))
    if len(jobs) > 1 and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=min(os.cpu_count(), len(jobs))) as pool:
            list(pool.map(_convert, jobs))
    return len(jobs) if len(jobs) > 1 else 0


def _convert(job: tuple) -> None:
    """One notebook into one cache file, as the plugin would write it."""
    from mkdocs_jupyter import convert, plugin

    path, cache_path, options, toc_depth = job
    use_quick_soup()
    body = convert.nb2html(path, execute=False, **options)
    toc_tokens, title = plugin._get_nb_toc_tokens(path, toc_depth)
    out = Path(cache_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name, then renamed: a build never reads a half-written file.
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"content": body, "toc_tokens": toc_tokens, "title": title}),
                   encoding="utf-8")
    tmp.replace(out)
