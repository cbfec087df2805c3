"""The language detector on the real-page corpus (benchmarks/realweb/corpus.py): accuracy
against the publishers' languages, and CPU per page.

    python benchmarks/evidence/languages.py [--mirror /work/.mirror/flairNLP+fundus/repo]

The expected language of a page is its publisher's, as fundus declares it (independent of
the pages): each country's ``default_language``, or the ``languages`` of the publisher's
sources; publishers with several languages are left out. Each page is extracted as the crawl
does (``monitor.crawl.extract.extract_article``), then judged three ways: the declared
language alone (``<html lang>``, meta tags), the detector alone on the extracted text, and
``monitor.domain.language.choose`` (what the monitor stores).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "realweb"))

from corpus import DEFAULT_MIRROR, load  # noqa: E402

from monitor.crawl.extract import extract_article  # noqa: E402
from monitor.domain import language  # noqa: E402

PUBLISHERS = "src/fundus/publishers/"
_PUBLISHER = re.compile(r"^    (\w+) = Publisher\(", re.M)
_DEFAULT = re.compile(r"default_language\s*=\s*\"(\w+)\"")
_LANGS = re.compile(r"languages\s*=\s*\{([^}]*)\}")


def publisher_languages(mirror: Path) -> dict[str, set[str]]:
    """ "country/Attribute" -> the languages fundus gives the publisher's sources."""
    out: dict[str, set[str]] = {}
    tree = subprocess.run(
        ["git", "--git-dir", str(mirror), "ls-tree", "--name-only", "HEAD", PUBLISHERS],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    for folder in tree:
        country = folder.rsplit("/", 1)[-1]
        try:
            src = subprocess.run(
                ["git", "--git-dir", str(mirror), "show", f"HEAD:{folder}/__init__.py"],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
        except subprocess.CalledProcessError:
            continue
        default = _DEFAULT.search(src)
        starts = [(m.start(), m.group(1)) for m in _PUBLISHER.finditer(src)]
        for i, (start, name) in enumerate(starts):
            block = src[start : starts[i + 1][0] if i + 1 < len(starts) else len(src)]
            langs = {
                x.strip().strip("\"'")
                for m in _LANGS.finditer(block)
                for x in m.group(1).split(",")
            }
            langs.discard("")
            if not langs and default:
                langs = {default.group(1)}
            out[f"{country}/{name}"] = langs
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    args = ap.parse_args()
    labels = publisher_languages(args.mirror)
    pages = load()
    language.detect("warm the model up " * 5)
    right = Counter[str]()
    judged = 0
    cpu = 0.0
    wrong: list[str] = []
    for page in pages:
        expected = labels.get(page.publisher, set())
        if len(expected) != 1:
            continue
        [want] = expected
        found = extract_article(page.html(), page.url)
        text = found.text or ""
        detected, _ = language.detect(text)
        t0 = time.process_time()
        chosen = language.choose(text, found.declared_lang)  # what the crawl runs
        cpu += time.process_time() - t0
        judged += 1
        declared = language.normalize(found.declared_lang)
        right["declared"] += declared == want
        right["detected"] += detected == want
        right["chosen"] += chosen == want
        if chosen != want:
            wrong.append(
                f"{page.publisher}: want {want}, declared {declared}, detected {detected}:"
                f" {page.title[:60]!r}"
            )
    print(f"pages judged: {judged} of {len(pages)} (single-language publishers)")
    single = [
        next(iter(labels[p.publisher])) for p in pages if len(labels.get(p.publisher, ())) == 1
    ]
    print(f"languages: {dict(Counter(single).most_common())}")
    for k in ("declared", "detected", "chosen"):
        print(f"{k:9}: {right[k]}/{judged} = {100 * right[k] / judged:.1f}%")
    print(f"CPU of choose (one detection): {1000 * cpu / judged:.2f} ms per page")
    for w in wrong:
        print("  wrong:", w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
