"""Results a process keeps for the requests that ask for them again, computed once.

A result is kept under a key naming everything it depends on (for the portfolio: the
data's version and the business date), so a kept result is never stale, only unused; the
last `keep` keys are kept, and none of a generation (the data's version) older than the
newest asked for. Requests asking for a key being computed wait for that one computation
instead of starting their own.

A result may also belong to a `family` (the portfolio of one day, whatever the data's
version): the newest computed of each is kept apart (`latest`) after newer generations
drop it, so that the next computation can start from it instead of from nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
KEEP = 6  # the checked portfolio, a few quarters and the projects' order, of a day or two


class SharedResults:
    def __init__(self, keep: int = KEEP, on_kept: Callable[[], None] | None = None) -> None:
        """`on_kept` is called after each result computed and kept, in the thread that
        computed it (`psbot run` moves it out of the garbage collector's sight)."""
        self.keep = keep
        self.on_kept = on_kept
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, tuple[Future[Any], int]] = OrderedDict()
        self._latest: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._newest = 0

    def latest(self, family: Hashable) -> tuple[int, Any] | None:
        """The generation and result of `family`'s newest computed result, if any."""
        with self._lock:
            return self._latest.get(family)

    def forget(self, family: Hashable) -> None:
        """Drop `family`'s newest result (a computation that will not start from it frees
        its memory first)."""
        with self._lock:
            self._latest.pop(family, None)

    def get(
        self,
        key: Hashable,
        compute: Callable[[], T],
        generation: int = 0,
        family: Hashable | None = None,
    ) -> T:
        """The result kept under `key`, or `compute()`'s, which every request asking for
        `key` meanwhile waits for. A failed computation is not kept: its waiters get its
        error, and the next request tries again.

        Asking for a newer `generation` drops the older ones' results (they are never
        asked for again but by requests that started before it); a request of an older
        generation than the newest computes its result without keeping it. A result of
        `family` becomes its `latest` unless a newer generation's already is."""
        with self._lock:
            if generation > self._newest:
                self._newest = generation
                for old in [k for k, (_, g) in self._results.items() if g < generation]:
                    del self._results[old]
            late = generation < self._newest
            found = None if late else self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            elif not late:
                future: Future[Any] = Future()
                self._results[key] = (future, generation)
                while len(self._results) > self.keep:
                    self._results.popitem(last=False)
        if found is not None:
            return found[0].result()
        if late:
            return compute()
        try:
            result = compute()
        except BaseException as error:
            with self._lock:
                if self._results.get(key, (None, 0))[0] is future:
                    del self._results[key]
            future.set_exception(error)
            raise
        if family is not None:
            with self._lock:
                newest = self._latest.get(family)
                if newest is None or newest[0] <= generation:
                    self._latest[family] = (generation, result)
                    self._latest.move_to_end(family)
                    while len(self._latest) > self.keep:
                        self._latest.popitem(last=False)
        future.set_result(result)
        if self.on_kept is not None:
            self.on_kept()
        return result
