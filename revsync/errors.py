"""User-facing errors: a precise message that says what to do, printed without a traceback."""


class RevsyncError(Exception):
    """An error the user can act on. The CLI prints its message and exits non-zero."""

    exit_code = 1
