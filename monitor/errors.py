"""One error root; driver and library errors are wrapped into these at the boundary."""


class MonitorError(Exception):
    """Base of every error the monitor reports to its user."""

    exit_code = 1


class ConfigError(MonitorError):
    """The configuration file is missing, malformed or has an invalid value."""

    exit_code = 2


class StorageError(MonitorError):
    """The database cannot be opened, migrated or written."""


class SchemaOutOfDate(StorageError):
    """The database was made by an older (or newer) version of the monitor."""

    exit_code = 3


class DeliveryError(MonitorError):
    """The digest could not be delivered (SMTP refused, outbox not writable)."""
