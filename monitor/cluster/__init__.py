"""The cluster (issue #17): `monitor worker` processes, any number of them on any number of
machines, sharing one PostgreSQL store and procrastinate's job queue in it. See
docs/cluster.md for how to run it and why it is built this way."""
