"""Results computed once and kept: per key, bounded, a newer data version drops older ones."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.shared_results import SharedResults


class Counting:
    def __init__(self, value="result", delay=0.0):
        self.value, self.delay, self.calls = value, delay, 0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        return self.value


def test_requests_together_share_one_computation():
    results, compute = SharedResults(), Counting(delay=0.3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: results.get("k", compute, 1), range(8)))
    assert answers == ["result"] * 8 and compute.calls == 1


def test_a_failure_is_not_kept():
    results = SharedResults()

    def broken():
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        results.get("k", broken)
    assert results.get("k", Counting("back")) == "back"


def test_a_newer_generation_drops_the_older_ones_and_a_late_request_keeps_nothing():
    results = SharedResults()
    old, new = Counting("old"), Counting("new")
    results.get(("checked", 1), old, 1)
    results.get(("checked", 2), new, 2)
    results.get(("checked", 1), old, 1)  # a request that read version 1 before the write
    results.get(("checked", 1), old, 1)
    assert old.calls == 3  # computed for it, never kept again
    results.get(("checked", 2), new, 2)
    assert new.calls == 1


def test_only_the_last_keys_are_kept():
    results, compute = SharedResults(keep=2), Counting()
    for key in ("a", "b", "c", "a"):
        results.get(key, compute)
    assert compute.calls == 4  # "a" was dropped when "c" came


def test_a_familys_newest_result_outlives_its_generation():
    results = SharedResults()
    assert results.latest("portfolio") is None
    results.get(("checked", 1), Counting("v1"), 1, family="portfolio")
    results.get(("checked", 2), Counting("v2"), 2, family="portfolio")
    results.get(("other", 3), Counting("x"), 3)  # drops both from the kept results …
    assert results.latest("portfolio") == (2, "v2")  # … not the family's newest
    results.get(("checked", 1), Counting("late"), 1, family="portfolio")
    assert results.latest("portfolio") == (2, "v2")  # a late request's is not newer
    results.forget("portfolio")
    assert results.latest("portfolio") is None


def test_a_failed_computation_leaves_the_familys_newest():
    results = SharedResults()
    results.get("k1", Counting("v1"), 1, family="f")

    def broken():
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        results.get("k2", broken, 2, family="f")
    assert results.latest("f") == (1, "v1")


def test_only_the_last_families_are_kept():
    results = SharedResults(keep=2)
    for family in ("a", "b", "c"):
        results.get(family, Counting(family), 1, family=family)
    assert [results.latest(f) for f in ("a", "b", "c")] == [None, (1, "b"), (1, "c")]


def test_on_kept_follows_each_result_computed_and_kept():
    kept = []
    results = SharedResults(on_kept=lambda: kept.append(1))
    results.get("k", Counting(), 2)
    results.get("k", Counting(), 2)  # kept: not computed again
    results.get("old", Counting(), 1)  # a late request's: not kept
    with pytest.raises(RuntimeError):
        results.get("broken", lambda: (_ for _ in ()).throw(RuntimeError("down")), 2)
    assert kept == [1]
