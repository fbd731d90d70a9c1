"""Results a process keeps for the requests that ask for them again, computed once.

A result is kept under a key naming everything it depends on (for the portfolio: the
data's version and the business date), so a kept result is never stale, only unused; the
last `keep` keys are kept. Requests asking for a key being computed wait for that one
computation instead of starting their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
KEEP = 6  # two versions' (or days') worth: the checked portfolio, a quarter, an order


class SharedResults:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, Future[Any]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept under `key`, or `compute()`'s, which every request asking for
        `key` meanwhile waits for. A failed computation is not kept: its waiters get its
        error, and the next request tries again."""
        with self._lock:
            future = self._results.get(key)
            mine = future is None
            if future is None:
                future = self._results[key] = Future()
                while len(self._results) > self.keep:
                    self._results.popitem(last=False)
            else:
                self._results.move_to_end(key)
        if not mine:
            return future.result()
        try:
            result = compute()
        except BaseException as error:
            with self._lock:
                if self._results.get(key) is future:
                    del self._results[key]
            future.set_exception(error)
            raise
        future.set_result(result)
        return result
