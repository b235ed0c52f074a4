"""Password hashing with argon2id. Cost is configurable: production defaults, cheap in tests."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified when an email is unknown, so a wrong email costs as much as a wrong password.
_dummy_hash = _hasher.hash("not-a-real-password")


# Hashing is CPU- and memory-bound and releases the GIL: it runs on a few threads, never on
# the event loop, so other requests keep being served while sign-ins are checked.
_pool: ThreadPoolExecutor | None = None
_threads = 1


def configure(
    *, time_cost: int, memory_cost_kib: int, parallelism: int = 1, threads: int = 0
) -> None:
    """Hash cost, and how many threads hash at once (0: one fewer than the CPUs, at least 1)."""
    global _hasher, _dummy_hash, _threads, _pool
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )
    _dummy_hash = _hasher.hash("not-a-real-password")
    _threads = threads or max(1, (os.cpu_count() or 2) - 1)
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="password-hash")
    return _pool


def check_policy(password: str) -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor(), hash_password, password)


async def verify_off_loop(stored_hash: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), verify, stored_hash, password
    )
