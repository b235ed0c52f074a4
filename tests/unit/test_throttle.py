"""The sign-in throttle's sliding window, in this process and shared through Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from domain.identity.throttle import Limit, MemoryStore, RedisStore, SignInThrottle

REDIS_URL = os.environ.get("PARTNERSCOPE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _throttle(store: object, clock: Clock) -> SignInThrottle:
    return SignInThrottle(store, Limit(3, 60), Limit(5, 60), clock=clock)  # type: ignore[arg-type]


async def test_the_window_slides_so_old_failures_stop_counting() -> None:
    # given
    clock = Clock()
    throttle = _throttle(MemoryStore(), clock)
    for step in range(3):
        clock.now += 10 * step
        await throttle.failed("ann@example.com", None)
    # when / then: failures at 0, 10 and 30 s; locked until the first is 60 s old
    assert await throttle.retry_after("ann@example.com", None) == 30
    clock.now += 29
    assert await throttle.retry_after("ann@example.com", None) == 1
    clock.now += 2
    assert await throttle.retry_after("ann@example.com", None) is None


async def test_accounts_and_addresses_are_counted_apart() -> None:
    # given
    clock = Clock()
    throttle = _throttle(MemoryStore(), clock)
    for i in range(5):
        await throttle.failed(f"user{i}@example.com", "10.0.0.1")
    # then: no single account is locked, the address is
    assert await throttle.retry_after("user0@example.com", None) is None
    assert await throttle.retry_after("someone@example.com", "10.0.0.1") == 60
    assert await throttle.retry_after("someone@example.com", "10.0.0.2") is None


async def test_a_success_clears_the_account_but_not_the_address() -> None:
    # given
    clock = Clock()
    throttle = _throttle(MemoryStore(), clock)
    for _ in range(5):
        await throttle.failed("ann@example.com", "10.0.0.1")
    # when
    await throttle.succeeded("ann@example.com")
    # then
    assert await throttle.retry_after("ann@example.com", None) is None
    assert await throttle.retry_after("ann@example.com", "10.0.0.1") == 60


async def test_the_memory_store_stays_bounded() -> None:
    # given
    store = MemoryStore(max_keys=10)
    throttle = _throttle(store, Clock())
    # when
    for i in range(50):
        await throttle.failed(f"user{i}@example.com", None)
    # then
    assert len(store.entries) == 10


class _Broken:
    async def count(self, *_: object) -> tuple[int, float | None]:
        raise ConnectionError("down")

    async def add(self, *_: object) -> None:
        raise ConnectionError("down")

    async def clear(self, *_: object) -> None:
        raise ConnectionError("down")


async def test_an_unreachable_store_falls_back_to_counting_in_this_process() -> None:
    # given
    throttle = _throttle(_Broken(), Clock())
    # when
    for _ in range(3):
        await throttle.failed("ann@example.com", None)
    # then: still throttled, never an error
    assert await throttle.retry_after("ann@example.com", None) == 60


@pytest.fixture
async def redis_store() -> AsyncIterator[RedisStore]:
    store = RedisStore(REDIS_URL)
    store.PREFIX = f"partnerscope-test:{uuid.uuid4().hex}:"
    try:
        await store.client.ping()
    except Exception as exc:  # no server on this machine
        await store.close()
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    yield store
    keys = [k async for k in store.client.scan_iter(match=store.PREFIX + "*")]
    if keys:
        await store.client.delete(*keys)
    await store.close()


async def test_workers_sharing_redis_share_their_counts(redis_store: RedisStore) -> None:
    # given: two workers, each with its own throttle object, one Redis
    clock = Clock()
    first = _throttle(redis_store, clock)
    second = _throttle(redis_store, clock)
    # when
    await first.failed("ann@example.com", "10.0.0.1")
    await second.failed("ann@example.com", "10.0.0.1")
    await first.failed("ann@example.com", "10.0.0.1")
    # then
    assert await second.retry_after("ann@example.com", None) == 60
    await second.succeeded("ann@example.com")
    assert await first.retry_after("ann@example.com", None) is None
    assert await first.retry_after(None, "10.0.0.1") is None  # 3 of 5 for the address
    clock.now += 61
    assert await first.retry_after(None, "10.0.0.1") is None
