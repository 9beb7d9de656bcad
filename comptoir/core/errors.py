class ComptoirError(Exception):
    """A refusal a person should read: its message is shown as is (already translated)."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(ComptoirError):
    status = 404


class PermissionDenied(ComptoirError):
    status = 403
