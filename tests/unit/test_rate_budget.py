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
