"""Read-only questions to the archive for the commands and the web view: one article, counts
over time, exports (the hit list itself is ``monitor.store.hits``)."""
