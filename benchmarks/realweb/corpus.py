"""The real-page corpus: fundus's parser test pages (flairNLP/fundus, MIT) with their expected
text, copied out of a local mirror into a git-ignored folder, never into the repository.

    python benchmarks/realweb/corpus.py build [--mirror /work/.mirror/flairNLP+fundus/repo]

writes ``benchmarks/realweb/data/pages/<country>/<file>.html`` and ``data/pages.jsonl``: one
line a page with its publisher, original URL, expected title and expected body (fundus's
summary, subheadlines and paragraphs joined by newlines). ``load()`` reads it back.

A publisher's ``.json`` holds one expected article per parser version (V1, V2, ...); its
pages are matched to versions by content (the version whose paragraphs the page holds most
of), not by order, so a wrong pairing cannot slip in silently.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TEST_DATA = "tests/resources/parser/test_data"
DEFAULT_MIRROR = Path("/work/.mirror/flairNLP+fundus/repo")


@dataclass(frozen=True)
class Page:
    publisher: str  # e.g. "at/DerStandard"
    file: Path  # the page's HTML (bytes as fundus stored them)
    url: str  # where fundus fetched it
    title: str
    body: str  # paragraphs, newline-separated

    def html(self) -> bytes:
        return self.file.read_bytes()


def _git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(mirror), *args], check=True, capture_output=True
    ).stdout


def _body(version: dict) -> str:
    body = version.get("body") or {}
    parts: list[str] = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += section.get("headline") or []
        parts += section.get("paragraphs") or []
    return "\n".join(p.strip() for p in parts if p and p.strip())


_WORD = re.compile(r"\w+")


def _overlap(html_text: str, body: str) -> float:
    """Share of the body's paragraphs whose first words appear in the page."""
    paras = [p for p in body.split("\n") if len(p) > 40]
    if not paras:
        return 0.0
    words = " ".join(_WORD.findall(html_text))
    found = sum(1 for p in paras if " ".join(_WORD.findall(p)[:8]) in words)
    return found / len(paras)


def build(mirror: Path) -> int:
    git_dir = mirror / ".git" if (mirror / ".git").exists() else mirror
    names = _git(git_dir, "ls-tree", "-r", "--name-only", "HEAD", TEST_DATA).decode().split("\n")
    out = DATA / "pages"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    skipped = 0
    for meta_name in [n for n in names if n.endswith("/meta.info")]:
        folder = meta_name.rsplit("/", 1)[0]
        country = folder.rsplit("/", 1)[1]
        meta = json.loads(_git(git_dir, "show", f"HEAD:{meta_name}"))
        by_publisher: dict[str, list[str]] = {}
        for fname in meta:
            by_publisher.setdefault(fname.split("_", 1)[0], []).append(fname)
        for publisher, files in sorted(by_publisher.items()):
            try:
                expected = json.loads(_git(git_dir, "show", f"HEAD:{folder}/{publisher}.json"))
            except subprocess.CalledProcessError:
                skipped += len(files)
                continue
            versions = [v for v in expected.values() if isinstance(v, dict)]
            for fname in sorted(files):
                try:
                    html = gzip.decompress(_git(git_dir, "show", f"HEAD:{folder}/{fname}"))
                except subprocess.CalledProcessError:  # listed in meta.info, not in the tree
                    skipped += 1
                    continue
                text = html.decode("utf-8", "replace")
                scored = [(_overlap(text, _body(v)), i) for i, v in enumerate(versions)]
                best, i = max(scored, default=(0.0, -1))
                if best < 0.5:  # the page does not hold any expected body: leave it out
                    skipped += 1
                    continue
                version = versions[i]
                target = out / country / fname.removesuffix(".gz")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(html)
                rows.append(
                    {
                        "publisher": f"{country}/{publisher}",
                        "file": str(target.relative_to(DATA)),
                        "url": meta[fname]["url"],
                        "title": (version.get("title") or "").strip(),
                        "body": _body(version),
                    }
                )
    with (DATA / "pages.jsonl").open("w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"{len(rows)} pages of {len({r['publisher'] for r in rows})} publishers "
        f"written to {DATA} ({skipped} left out: no expected body matched)"
    )
    return 0


def load() -> list[Page]:
    """The corpus as built; a clear error when it was not."""
    index = DATA / "pages.jsonl"
    if not index.exists():
        sys.exit(
            f"no corpus at {DATA}: run `python {Path(__file__).relative_to(Path.cwd())} build`"
        )
    pages = []
    for line in index.read_text().splitlines():
        row = json.loads(line)
        pages.append(
            Page(row["publisher"], DATA / row["file"], row["url"], row["title"], row["body"])
        )
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="copy the pages out of a local fundus mirror")
    b.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    args = parser.parse_args()
    return build(args.mirror)


if __name__ == "__main__":
    raise SystemExit(main())
