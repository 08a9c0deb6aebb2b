"""Dropping candidate foot regions while tracking: which event lists count as the same hops."""

from __future__ import annotations

from legrsi.pruning import _same_events

HOPS = [("takeoff", 230), ("touchdown", 318), ("takeoff", 381), ("touchdown", 494),
        ("takeoff", 558), ("touchdown", 669)]


def _shifted(events: list[tuple[str, int]], d: list[int]) -> list[tuple[str, int]]:
    return [(k, f + x) for (k, f), x in zip(events, d, strict=True)]


def test_same_hops_a_few_frames_apart() -> None:
    other = _shifted(HOPS, [3, -2, 2, -2, 2, -2])
    assert _same_events(other, HOPS, tol=3)
    assert not _same_events(other, HOPS, tol=1)  # the old, exact rule


def test_fewer_than_three_events_never_match() -> None:
    assert not _same_events(HOPS[:2], HOPS, tol=7)
    assert not _same_events(None, HOPS, tol=7)
    assert not _same_events(HOPS, None, tol=7)


def test_a_region_seeing_only_the_later_or_earlier_hops_matches() -> None:
    assert _same_events(_shifted(HOPS[2:], [4, -6, 6, -4]), HOPS, tol=7)
    assert _same_events(HOPS[:4], HOPS, tol=1)


def test_hops_the_better_region_does_not_see_do_not_match() -> None:
    assert not _same_events(HOPS, HOPS[:4], tol=7)  # the other sees fewer: not "better"
    gap = HOPS[:2] + HOPS[4:]
    assert not _same_events(HOPS, gap + [("takeoff", 900), ("touchdown", 990),
                                         ("takeoff", 1100)], tol=7)


def test_extra_events_in_between_do_not_match() -> None:
    # junk events between the hops (e.g. flicker) are not the same hops
    busy = sorted(HOPS + [("takeoff", 330), ("touchdown", 340)], key=lambda e: e[1])
    assert not _same_events(HOPS, busy, tol=7)


def test_kinds_must_agree() -> None:
    flipped = [("touchdown" if k == "takeoff" else "takeoff", f) for k, f in HOPS]
    assert not _same_events(flipped, HOPS, tol=7)
