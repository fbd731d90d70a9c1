"""Errors that carry a message meant for the user (never a traceback)."""


def first_line(error: BaseException | str) -> str:
    """An error's message cut to its first line (its type's name when it has none), for
    a one-line CLI error, log line or stored reason."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class UserError(Exception):
    """Bad input: the message says what is wrong and how to fix it."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


DATABASE_DOWN = (
    ":hourglass: psbot's database is temporarily unavailable; nothing was lost. "
    "Try again in a minute."
)
