"""The news-please peer: its CLI crawling some sites' RSS feeds into JSON files.

    python newsplease_peer.py --dir /tmp/newsweb --work /tmp/np --sites 20

Writes a config folder: news-please's own default ``config.cfg`` with three changes (the
working path, ``RssCrawler`` as the default crawler, no certificate check) and a
``sitelist.hjson`` naming the front pages of the first ``--sites`` sites. Its RssCrawler
starts from a site's front page, follows the advertised RSS feed and fetches every item's
page through its default pipeline (ArticleMasterExtractor with newspaper, readability, date and
language extractors, then HTML and JSON files). Run it with the news-please executable
from a venv (the runner does): ``news-please -c CONFIG_DIR -no_confirm``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path


def write_config(web: Path, work: Path, sites: int, package: Path) -> tuple[Path, int]:
    manifest = json.loads((web / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    chosen = manifest["sites"][:sites]
    cfg_dir = work / "config"
    if work.exists():
        shutil.rmtree(work)
    cfg_dir.mkdir(parents=True)
    cfg = (package / "config" / "config.cfg").read_text("utf-8")
    cfg = re.sub(r"(?m)^working_path = .*$", f"working_path = {work}/repo", cfg)
    cfg = re.sub(r"(?m)^default = SitemapCrawler$", "default = RssCrawler", cfg)
    cfg = re.sub(r"(?m)^check_certificate = True$", "check_certificate = False", cfg)
    (cfg_dir / "config.cfg").write_text(cfg, "utf-8")
    urls = [{"url": f"http://{s['host']}:{port}/", "crawler": "RssCrawler"} for s in chosen]
    (cfg_dir / "sitelist.hjson").write_text(json.dumps({"base_urls": urls}, indent=1), "utf-8")
    # The articles its RSS crawler will find: the items of each site's first RSS feed.
    expected = set()
    for s in chosen:
        feed = next((f for f in s["feeds"] if f["kind"] == "rss"), None)
        expected |= set(feed["items"]) if feed else set()
    return cfg_dir, len(expected)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--package", type=Path, required=True, help="the installed newsplease folder")
    args = p.parse_args()
    cfg_dir, expected = write_config(args.dir, args.work, args.sites, args.package)
    print(json.dumps({"config": str(cfg_dir), "expected_articles": expected}))


if __name__ == "__main__":
    main()
