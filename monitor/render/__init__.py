"""Presentation, written once for every front end: rich tables for people
(:mod:`~monitor.render.tables`, :mod:`~monitor.render.reports`), JSON, JSON Lines and CSV
for scripts (:mod:`~monitor.render.formats`), Atom for feed readers
(:mod:`~monitor.render.atom`). Renderers take data and a stream; they never open the store."""
