"""The crawl: Scrapy items, pipelines, settings, and the runner that `monitor crawl` calls."""
