"""The monitor's Scrapy spiders: ``feed`` (RSS/Atom/RDF) and ``section`` (HTML section pages).

scrapy crawl feed -a source=moscow-times
scrapy crawl section -a source=moscow-times-news
"""
