"""Sign-in throttling: failed attempts counted in a sliding window, per account and per address.

The account key is the normalised email whether or not an account has it, so the throttle
answers the same for known and unknown addresses (no enumeration). Counts live in Redis
when a URL is configured, so every worker and host shares them; otherwise in this process.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("partnerscope.throttle")


@dataclass(frozen=True)
class Limit:
    """At most `failures` failed attempts per `window` seconds for one key."""

    failures: int
    window: float


class Store(Protocol):
    async def count(self, key: str, window: float, now: float) -> tuple[int, float | None]:
        """(failures within the window, time of the oldest of them)."""
        ...

    async def add(self, key: str, window: float, now: float) -> None: ...

    async def clear(self, key: str) -> None: ...


@dataclass
class MemoryStore:
    """One process's counts (the embedded default, or when Redis cannot be reached)."""

    entries: dict[str, deque[float]] = field(default_factory=dict)
    max_keys: int = 100_000

    def _fresh(self, key: str, window: float, now: float) -> deque[float]:
        times = self.entries.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - window:
            times.popleft()
        if not times:
            del self.entries[key]
        return times

    async def count(self, key: str, window: float, now: float) -> tuple[int, float | None]:
        times = self._fresh(key, window, now)
        return len(times), (times[0] if times else None)

    async def add(self, key: str, window: float, now: float) -> None:
        times = self._fresh(key, window, now)
        if key not in self.entries:
            if len(self.entries) >= self.max_keys:  # bounded: drop the oldest key
                self.entries.pop(next(iter(self.entries)))
            self.entries[key] = times
        times.append(now)

    async def clear(self, key: str) -> None:
        self.entries.pop(key, None)


class RedisStore:
    """Counts in Redis sorted sets (score: time), shared by every worker and host."""

    PREFIX = "partnerscope:sign-in:"

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis  # only needed when configured

        self.client: Any = redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def count(self, key: str, window: float, now: float) -> tuple[int, float | None]:
        name = self.PREFIX + key
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - window)
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            _, count, oldest = await pipe.execute()
        return int(count), (float(oldest[0][1]) if oldest else None)

    async def add(self, key: str, window: float, now: float) -> None:
        name = self.PREFIX + key
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {uuid.uuid4().hex: now})
            pipe.expire(name, math.ceil(window))
            await pipe.execute()

    async def clear(self, key: str) -> None:
        await self.client.delete(self.PREFIX + key)

    async def close(self) -> None:
        await self.client.aclose()


def _key(kind: str, value: str) -> str:
    # Hashed: keys never hold an email or address in the clear.
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class SignInThrottle:
    """Refuses sign-in attempts for an account or address that failed too often lately."""

    def __init__(
        self,
        store: Store,
        per_account: Limit,
        per_address: Limit,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.fallback = MemoryStore()
        self.per_account = per_account
        self.per_address = per_address
        self.clock = clock

    def _keys(self, account: str | None, address: str | None) -> list[tuple[str, Limit]]:
        keys = []
        if account:
            keys.append((_key("account", account), self.per_account))
        if address:
            keys.append((_key("address", address), self.per_address))
        return keys

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            return await getattr(self.store, method)(*args)
        except Exception as exc:  # Redis down or slow: never block sign-in on it
            log.warning("sign-in throttle store unavailable (%s); counting in this process", exc)
        return await getattr(self.fallback, method)(*args)

    async def retry_after(self, account: str | None, address: str | None) -> int | None:
        """Seconds until another attempt may be made, or None if one may be made now."""
        now = self.clock()
        wait = 0.0
        for key, limit in self._keys(account, address):
            count, oldest = await self._call("count", key, limit.window, now)
            if count >= limit.failures and oldest is not None:
                wait = max(wait, oldest + limit.window - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    async def failed(self, account: str | None, address: str | None) -> None:
        now = self.clock()
        for key, limit in self._keys(account, address):
            await self._call("add", key, limit.window, now)

    async def succeeded(self, account: str) -> None:
        """A right password clears the account's count (never the address's)."""
        await self._call("clear", _key("account", account))


def create_throttle(
    redis_url: str | None, window_seconds: float, per_account: int, per_address: int
) -> SignInThrottle:
    store: Store = RedisStore(redis_url) if redis_url else MemoryStore()
    return SignInThrottle(
        store, Limit(per_account, window_seconds), Limit(per_address, window_seconds)
    )
