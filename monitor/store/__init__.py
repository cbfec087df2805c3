"""The store: SQLAlchemy models, engine set-up, migrations, and the read/write functions."""
