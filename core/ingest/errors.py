"""The one exception an ingest step raises for a file it cannot take: its text is the user's message."""


class IngestError(Exception):
    """A file that cannot be ingested, with a one-line reason a user can act on.

    ``message`` is that reason as it was given: a ``core.i18n`` Text, which the pages say in the
    reader's language (``str(error)`` is only its English). ``needs`` names what a retry needs from
    the user ("password" for an encrypted PDF), so the UI can ask for it instead of only showing the
    message; empty when no answer would help.
    """

    def __init__(self, message: str, needs: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.needs = needs
