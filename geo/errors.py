"""One exception hierarchy for everything a user can get wrong or lack.

Each error carries a message written for a person: what is wrong and what to do. The CLI
prints it without a traceback; the HTTP layer maps `status` to the response code.
"""


class UrbanmapError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SetupError(UrbanmapError):
    """Something the machine lacks: PostgreSQL, PostGIS, a writable directory."""

    status = 503
    title = "Service unavailable"


class DatabaseUnavailable(SetupError):
    title = "Database unavailable"


class PostgisMissing(SetupError):
    title = "PostGIS missing"


class InvalidInput(UrbanmapError):
    """A file or value that cannot be used as it is; the message says how to fix it."""

    status = 422
    title = "Invalid input"


class NotFound(UrbanmapError):
    status = 404
    title = "Not found"


class BadRequest(UrbanmapError):
    status = 400
    title = "Bad request"
