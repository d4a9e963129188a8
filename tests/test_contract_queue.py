"""The `RenderQueue` contract (core/ports.py), run against SQLite and against DynamoDB + SQS.

Pushing a waiting key coalesces with it; `take` hands out every waiting key with its version
and leaves it queued; `done` forgets a key only at the version taken; a quarantined output
comes back from `due_quarantined` once its retry time has come, with its attempts counted,
until `release`. The AWS queue works on one site at a time (`SqsRenderQueue.for_site`), as one
render does, so every key here is of one site.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from warta.core.planner import OutputKey
from warta.core.ports import QuarantinedOutput, RenderQueue

from support.contracts import QUEUES, SITE, sqlite_index, sqs_queue

NOW = datetime(2023, 9, 21, 12, 0, tzinfo=timezone(timedelta(hours=7)))
AMP = OutputKey(SITE, "amp", "https://www.andalpost.com/n/a")
FEED = OutputKey(SITE, "feed", "home")
SECTION = OutputKey(SITE, "feed", "section:nasional")
ROBOTS = OutputKey(SITE, "robots")
NEWS = OutputKey(SITE, "news_sitemap")
SHARD = OutputKey(SITE, "shard", "2023-09")


@pytest.fixture(params=QUEUES)
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RenderQueue]:
    if request.param == "sqlite":
        local = sqlite_index(tmp_path)
        yield local
        local.close()
    else:
        yield sqs_queue(request.getfixturevalue("moto"))


def _keys(taken: list[tuple[OutputKey, int]]) -> list[OutputKey]:
    return sorted(key for key, _ in taken)


# --- push / take / done ------------------------------------------------------------------------


def test_an_empty_queue_hands_out_nothing(queue: RenderQueue) -> None:
    assert queue.take() == []
    assert queue.due_quarantined(NOW) == []
    assert queue.quarantined() == []
    queue.done([(ROBOTS, 1)])  # done of a key never pushed: harmless
    queue.release([ROBOTS])
    assert queue.take() == []


def test_push_coalesces_duplicates(queue: RenderQueue) -> None:
    queue.push([AMP, FEED, AMP])
    queue.push([FEED])
    taken = queue.take()
    assert _keys(taken) == sorted([AMP, FEED])
    assert len(taken) == 2
    assert all(isinstance(version, int) for _, version in taken)
    # take does not remove
    assert _keys(queue.take()) == sorted([AMP, FEED])


def test_done_removes_taken_keys(queue: RenderQueue) -> None:
    keys = [ROBOTS, SHARD, AMP]
    queue.push(keys)
    taken = queue.take()
    assert _keys(taken) == sorted(keys)
    queue.done(taken)
    assert queue.take() == []


def test_done_forgets_only_the_keys_it_is_given(queue: RenderQueue) -> None:
    queue.push([ROBOTS, NEWS])
    taken = queue.take()
    queue.done([item for item in taken if item[0] == ROBOTS])
    assert _keys(queue.take()) == [NEWS]


def test_a_key_pushed_again_after_take_survives_done(queue: RenderQueue) -> None:
    queue.push([SECTION, NEWS])
    taken = queue.take()
    queue.push([SECTION])  # a newer change arrives while rendering
    queue.done(taken)
    remaining = queue.take()
    assert [key for key, _ in remaining] == [SECTION]
    ((_, old_version),) = [(k, v) for k, v in taken if k == SECTION]
    assert remaining[0][1] > old_version
    queue.done(remaining)
    assert queue.take() == []


def test_done_with_a_stale_version_keeps_the_key(queue: RenderQueue) -> None:
    queue.push([ROBOTS])
    (taken,) = queue.take()
    queue.push([ROBOTS])
    queue.done([taken])
    queue.done([(ROBOTS, taken[1])])  # repeated done: harmless
    assert [k for k, _ in queue.take()] == [ROBOTS]


def test_keys_come_back_exactly_as_pushed(queue: RenderQueue) -> None:
    """Names of any length and script: an AMP output's name is its URL (up to 2,000 characters),
    past DynamoDB's sort key limit; two that differ only at the end stay two keys."""
    base = "https://www.andalpost.com/nasional/" + "ü" * 1500
    long_a, long_b = OutputKey(SITE, "amp", base + "-a"), OutputKey(SITE, "amp", base + "-b")
    unicode = OutputKey(SITE, "feed", "tag:東京-🙂")
    queue.push([long_a, long_b, unicode])
    taken = queue.take()
    assert _keys(taken) == sorted([long_a, long_b, unicode])
    queue.done(taken)
    assert queue.take() == []


# --- quarantine --------------------------------------------------------------------------------


def test_quarantine_counts_attempts_and_keeps_the_latest_reason_and_time(queue: RenderQueue) -> None:
    first, second = NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)
    assert queue.quarantine(AMP, "ValueError: satu", first) == 1
    assert queue.quarantined() == [QuarantinedOutput(AMP, "ValueError: satu", 1, first)]
    assert queue.quarantine(AMP, "OSError: dua", second) == 2
    (held,) = queue.quarantined()
    assert (held.key, held.reason, held.attempts) == (AMP, "OSError: dua", 2)
    assert held.retry_at == second and held.retry_at.tzinfo is not None
    assert queue.quarantine(FEED, "KeyError: lain", first) == 1  # counted per key
    assert sorted(q.key for q in queue.quarantined()) == sorted([AMP, FEED])


def test_a_quarantined_output_comes_back_at_its_retry_time(queue: RenderQueue) -> None:
    """A render that fails an output quarantines it and is done with its queue entry: it is not
    taken again, but handed back by `due_quarantined` from its retry time on."""
    queue.push([AMP, FEED])
    taken = queue.take()
    retry_at = NOW + timedelta(minutes=1)
    queue.quarantine(AMP, "ValueError: x", retry_at)
    queue.done(taken)
    assert queue.take() == []
    assert queue.due_quarantined(NOW) == []
    assert queue.due_quarantined(retry_at - timedelta(microseconds=1)) == []
    assert queue.due_quarantined(retry_at) == [AMP]  # the retry time itself is due
    assert queue.due_quarantined(retry_at.astimezone(UTC) + timedelta(days=1)) == [AMP]
    # Still quarantined until released, whether or not it was retried.
    assert [q.key for q in queue.quarantined()] == [AMP]


def test_release_forgets_the_quarantine_of_the_keys_given(queue: RenderQueue) -> None:
    for key in (AMP, FEED, SHARD):
        queue.quarantine(key, "ValueError: x", NOW)
    queue.release([AMP, SHARD, ROBOTS])  # ROBOTS was never quarantined: harmless
    assert [q.key for q in queue.quarantined()] == [FEED]
    assert queue.due_quarantined(NOW) == [FEED]
    # A key quarantined again after its release starts counting afresh.
    assert queue.quarantine(AMP, "ValueError: lagi", NOW) == 1


def test_quarantine_and_pending_are_apart(queue: RenderQueue) -> None:
    """A key may wait in the queue and be quarantined at once; done and release each touch only
    their own."""
    queue.quarantine(AMP, "ValueError: x", NOW)
    queue.push([AMP])
    taken = queue.take()
    assert [key for key, _ in taken] == [AMP]
    queue.release([AMP])
    assert [key for key, _ in queue.take()] == [AMP]
    queue.quarantine(AMP, "ValueError: y", NOW)
    queue.done(taken)
    assert queue.take() == []
    assert [q.key for q in queue.quarantined()] == [AMP]
