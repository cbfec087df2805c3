"""Pure types and rules: what an article, a source's state, a URL's key, a story, a schedule
and a hit filter are, with no I/O. Imports nothing of ours but ``monitor.matching`` and
``monitor.errors``; every other layer (store, crawl, digest, query, CLI, web) imports it."""
