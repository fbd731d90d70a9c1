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


class MalformedRequest(Exception):
    """A request no Slack client sends (a button value psbot never wrote, say). Refused
    quietly: nobody did anything wrong, so nobody is told."""


def payload_int(value: object) -> int:
    """A number psbot put in a button, a menu or a modal's metadata; MalformedRequest when
    it isn't one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedRequest(f"expected a number, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise MalformedRequest(f"expected a number, got {value!r}") from None
