"""Alembic migrations (a package so an installed monitor can find them)."""
