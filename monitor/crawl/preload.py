"""Imported once by the extraction pool's fork server, before it forks the workers.

Each worker needs trafilatura (with lxml) and the language model (about 75 MB: py3langid's
tables). Loaded here, in the process the workers are forked from, their pages are shared
by every worker until written, instead of loaded by each (``monitor.crawl.extract``).
"""

from __future__ import annotations

import trafilatura  # noqa: F401

from monitor.domain import language

language.load_model()
