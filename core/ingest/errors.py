"""The one exception an ingest step raises for a file it cannot take: its text is the user's message."""


class IngestError(Exception):
    """A file that cannot be ingested, with a one-line reason a user can act on."""
