"""The rate budget's arithmetic on a fake clock (no sleeping, no threads)."""

from dlt_sources.http import RateBudget


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_full_window_waits_until_its_oldest_request_leaves_plus_the_margin():
    clock = Clock()
    budget = RateBudget("t", 3, 10.0, margin_seconds=0.5, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        budget.acquire()
    assert clock.slept == []
    budget.acquire()
    assert abs(clock.now - 10.5) < 0.01


def test_requests_someone_else_made_count_against_the_budget():
    clock = Clock()
    budget = RateBudget("t", 110, 10.0, margin_seconds=0.5, clock=clock, sleep=clock.sleep)
    budget.acquire()
    budget.adapt(110, 10.0, remaining=1)  # the provider has counted 109 in this window
    budget.acquire()
    assert clock.slept == []
    budget.acquire()  # the 111th would trip the limit: wait for the window
    assert clock.now >= 10.5


def test_a_pause_holds_every_caller():
    clock = Clock()
    budget = RateBudget("t", 100, 10.0, clock=clock, sleep=clock.sleep)
    budget.pause(3.0)
    budget.acquire()
    assert clock.now >= 3.0


def test_a_fathom_429_holds_requests_for_its_reset_not_a_whole_window():
    """Fathom's 429 says `RateLimit-Remaining: 0, RateLimit-Reset: 1`: the next request waits
    about one second, not the minute our own count of a full window would last."""
    import httpx

    from dlt_sources.fathom.api import FathomApi
    from dlt_sources.http import StaticToken

    clock = Clock()
    api = FathomApi("http://127.0.0.1:9", StaticToken("a", "fathom", "key"), uses_oauth=False)
    try:
        api.overall = RateBudget("fathom", 60, 60.0, clock=clock, sleep=clock.sleep)
        api._adapt("/external/v1/meetings", httpx.Headers(
            {"RateLimit-Limit": "60", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}))
        api.overall.acquire()
        assert 1.0 <= clock.now < 2.0, clock.slept
    finally:
        api.close()
