"""`monitor web`: a small read-only web view of the archive, rendered on the server."""
