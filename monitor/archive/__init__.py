"""The evidence archive: pages as served, in compressed WARC files (``warc.py``) that any WARC
reader (pywb, the Wayback tools, warcio) opens, and their retention (``retention.py``). Files
only; which article a record belongs to is the store's (``monitor.store.snapshots``)."""
