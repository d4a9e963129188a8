"""Hugo side by side: the same synthetic archive as Markdown, built with RSS + sitemap only.

    .venv/bin/python bench/hugo.py --articles 50000 [--workdir DIR]

Writes one Markdown file per article (front matter: title, date with its offset, tags; the
section is the content folder, as Hugo wants it; the body is the article's paragraphs), a
config with HTML off (`[outputs]`: home and sections RSS only, pages none; taxonomies off),
then times `hugo` twice: a cold build, and the build after one new article is added (Hugo
renders the whole site again). Prints one JSON object; {"skipped": reason} when there is no
`hugo` binary (Debian: `apt-get install hugo`).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive

CONFIG = """\
baseURL = "{base}/"
languageCode = "{language}"
title = "{name}"
disableKinds = ["taxonomy", "term"]
rssLimit = 50
[outputs]
home = ["RSS"]
section = ["RSS"]
page = []
"""


def _markdown(item: Any) -> str:
    tags = ", ".join(json.dumps(tag) for tag in item.tags)
    front = f"---\ntitle: {json.dumps(item.title)}\ndate: {item.published_at.isoformat()}\ntags: [{tags}]\n"
    front += f"summary: {json.dumps(item.summary)}\nslug: {item.url.rsplit('/', 1)[-1]}\n---\n\n"
    return front + "\n\n".join(item.paragraphs) + "\n"


def write_site(root: Path, articles: int) -> float:
    from warta.synthetic import draft

    spec = archive.spec(articles)
    site = spec.site
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(
        CONFIG.format(base=site.base_url, language=site.language, name=site.name)
    )
    for section in spec.section_ids():
        (root / "content" / section).mkdir(parents=True, exist_ok=True)
    for n in range(articles + 1):  # the last one is the article the second build adds
        item = draft(spec, n)
        target = root / "content" / item.section / f"{item.id}.md"
        (root / f"new-{item.id}.md" if n == articles else target).write_text(_markdown(item))
        if n == articles:
            (root / "newcomer").write_text(str(target))
    return time.perf_counter() - started


def build(root: Path) -> tuple[float, float]:
    """One `hugo` build: wall seconds and the peak memory of the hugo process (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        ["hugo", "--quiet", "--source", str(root), "--destination", str(root / "public")],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, (peak if peak > before else before) / 1024


def measure(articles: int, workdir: Path) -> dict[str, Any]:
    hugo = shutil.which("hugo")
    if hugo is None:
        return {"skipped": "no hugo binary (Debian package `hugo`)"}
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1]
    write_seconds = write_site(workdir, articles)
    cold, peak = build(workdir)
    newcomer = Path((workdir / "newcomer").read_text())
    (workdir / f"new-{newcomer.stem}.md").rename(newcomer)
    again, peak_again = build(workdir)
    return {
        "articles": articles,
        "version": version,
        "write_markdown_seconds": round(write_seconds, 1),
        "build_seconds": round(cold, 2),
        "build_after_one_new_article_seconds": round(again, 2),
        "peak_rss_mb": round(max(peak, peak_again), 1),
        "files": sum(1 for p in (workdir / "public").rglob("*") if p.is_file()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warta-bench-hugo-"))
    try:
        print(json.dumps(measure(args.articles, workdir)))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
