"""The evidence archive: pages as served, in compressed WARC files (``warc.py``) that any WARC
reader (pywb, the Wayback tools, warcio) opens; which record holds which article's page is
the store's (``monitor.store.snapshots``). ``evidence.py`` reads them back (a hit's page, an
export of many), ``retention.py`` deletes the oldest files and says so in the store."""
