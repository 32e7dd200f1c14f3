"""A full read from both ends (list up, search down): whatever order the pages of the two arrive
in, together they keep every id exactly once per side's range and both stop where they meet."""

from __future__ import annotations

import random
import threading

import pytest

from dlt_sources.hubspot.reader import Meeting


def read_both_ends(ids: list[int], list_page: int, search_page: int, order: list[str]) -> tuple[list, list]:
    """Replays one interleaving of list and search pages; returns the ids each side kept."""
    meeting = Meeting()
    ascending, descending = sorted(ids), sorted(ids, reverse=True)
    kept_list, kept_search = [], []
    list_at = search_at = 0
    list_done = search_done = False
    for side in order:
        if side == "list" and not list_done:
            page = set(ascending[list_at:list_at + list_page])
            list_at += list_page
            below, met = meeting.listed(page)
            kept_list += [i for i in page if i < below]
            list_done = met or list_at >= len(ascending)
        elif side == "search" and not search_done:
            page = set(descending[search_at:search_at + search_page])
            search_at += search_page
            above, met = meeting.found(page)
            kept_search += [i for i in page if i > above]
            search_done = met or search_at >= len(descending)
    assert list_done and search_done, "the order given did not let both sides finish"
    return kept_list, kept_search


@pytest.mark.parametrize("seed", range(200))
def test_every_id_is_read_once_whatever_the_interleaving(seed):
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(1, 100_000), rng.randint(0, 1_500)))
    order = [rng.choice(("list", "search")) for _ in range(4_000)]
    kept_list, kept_search = read_both_ends(ids, 100, 200, order)
    assert sorted(kept_list + kept_search) == ids
    if kept_list and kept_search:
        assert max(kept_list) < min(kept_search)


def test_a_side_that_reads_everything_alone_leaves_nothing_to_the_other():
    ids = list(range(1, 1_001))
    kept_list, kept_search = read_both_ends(ids, 100, 200, ["list"] * 20 + ["search"] * 20)
    assert sorted(kept_list) == ids and kept_search == []
    kept_list, kept_search = read_both_ends(ids, 100, 200, ["search"] * 20 + ["list"] * 20)
    assert kept_list == [] and sorted(kept_search) == ids


def test_concurrent_sides_on_threads_keep_every_id():
    ids = list(range(1, 20_001))
    meeting = Meeting()
    kept: dict[str, list[int]] = {"list": [], "search": []}

    def lister():
        for start in range(0, len(ids), 100):
            page = set(ids[start:start + 100])
            below, met = meeting.listed(page)
            kept["list"] += [i for i in page if i < below]
            if met:
                return

    def searcher():
        for end in range(len(ids), 0, -200):
            page = set(ids[max(0, end - 200):end])
            above, met = meeting.found(page)
            kept["search"] += [i for i in page if i > above]
            if met:
                return

    threads = [threading.Thread(target=lister), threading.Thread(target=searcher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kept["list"] + kept["search"]) == ids


def test_a_page_without_a_readable_id_stops_neither_side():
    meeting = Meeting()
    assert meeting.listed(set())[1] is False and meeting.found(set())[1] is False
    kept_list, kept_search = read_both_ends(list(range(1, 501)), 100, 200, ["list", "search"] * 10)
    assert sorted(kept_list + kept_search) == list(range(1, 501))
