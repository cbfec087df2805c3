"""A self-hosted news monitor: sources -> crawl -> match -> store -> digest -> query."""

__version__ = "0.1.0"
