"""The crawl: the context its spiders share, pipelines, settings, and the runner that `monitor
crawl` calls (the items it yields are ``monitor.domain`` types)."""
