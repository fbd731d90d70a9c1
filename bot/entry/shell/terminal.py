"""Reading lines and printing text: readline and colours on a terminal, plain on a pipe."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bot.entry.shell.render import Style


def wants_color(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """ANSI colours only on a real terminal that isn't dumb, and never with NO_COLOR."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return False
    return environ.get("TERM", "") not in ("", "dumb") and "NO_COLOR" not in environ


def speaks_unicode(stream: TextIO) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding.startswith("utf")


class Terminal:
    """The shell's input and output.

    On an interactive terminal, input comes through `input()` with readline (line editing,
    history in ~/.psbot_shell_history, completion). Otherwise lines are read from `stdin`
    and echoed after the prompt, so a piped session reads like a transcript.
    """

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        history: Path | None = None,
        completions: Sequence[str] = (),
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        # Terminal capabilities, not configuration: that is why this reads TERM itself.
        env = os.environ if environ is None else environ
        self.style = Style(color=wants_color(self.stdout, env), unicode=speaks_unicode(self.stdout))
        self.interactive = (
            self.stdin is sys.stdin
            and self.stdout is sys.stdout
            and self.stdin.isatty()
            and self.stdout.isatty()
        )
        self._history = history
        self._readline = self._setup_readline(completions) if self.interactive else None

    def _setup_readline(self, completions: Sequence[str]):
        try:
            import readline
        except ImportError:  # Windows without pyreadline: plain input() still works
            return None
        if self._history is not None:
            with contextlib.suppress(OSError):  # no history yet
                readline.read_history_file(self._history)
            readline.set_history_length(1000)
        readline.set_completer(_completer(completions))
        readline.set_completer_delims(" ")
        binding = (
            "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
        )
        readline.parse_and_bind(binding)
        return readline

    def close(self) -> None:
        if self._readline is not None and self._history is not None:
            with contextlib.suppress(OSError):  # history is a nicety, never a failure
                self._readline.write_history_file(self._history)

    def input(self, prompt: str) -> str:
        """One line, without its newline. Raises EOFError at the end (Ctrl-D) and
        KeyboardInterrupt on Ctrl-C."""
        if self.interactive:
            if self._readline is not None:
                # readline must not count colour codes as columns of the prompt.
                prompt = re.sub(r"(\x1b\[[0-9;]*m)", "\x01\\1\x02", prompt)
            return input(prompt)
        line = self.stdin.readline()
        if not line:
            self.write(prompt)
            raise EOFError
        line = line.rstrip("\r\n")
        self.write(prompt + line + "\n")
        return line

    def print(self, text: str = "") -> None:
        self.write(text + "\n")

    def write(self, text: str) -> None:
        try:
            self.stdout.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self.stdout, "encoding", None) or "ascii"
            self.stdout.write(text.encode(encoding, "replace").decode(encoding))
        self.stdout.flush()


def _completer(words: Sequence[str]) -> Callable[[str, int], str | None]:
    def complete(text: str, state: int) -> str | None:
        matches = [w for w in words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    return complete
