"""The monitor's Scrapy spiders, one per source kind: ``feed`` (RSS/Atom/RDF/JSON Feed),
``section`` (HTML section pages), ``sitemap`` (Google News sitemaps and indexes) and ``site``
(a site's address: what it offers is discovered).

scrapy crawl feed -a source=moscow-times
scrapy crawl section -a source=moscow-times-news
scrapy crawl site -a source=example-news
"""
