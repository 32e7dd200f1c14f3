"""Deterministic derivation of values from the sandbox seed.

Everything random in the sandbox flows from one integer seed through these helpers, so the same
seed always yields the same accounts, tokens and records. Parts are joined into a label and
hashed (never Python's salted `hash()`), which keeps values stable across processes.
"""

from __future__ import annotations

import hashlib
import random
import uuid

import numpy as np


def _digest(seed: int, parts: tuple[object, ...]) -> bytes:
    label = "\x1f".join([str(seed), *map(str, parts)])
    return hashlib.sha256(label.encode()).digest()


def derive_int(seed: int, *parts: object, bits: int = 63) -> int:
    """A stable non-negative integer for (seed, *parts)."""
    return int.from_bytes(_digest(seed, parts)[:8], "big") >> (64 - bits)


def derive_uuid(seed: int, *parts: object) -> uuid.UUID:
    """A stable version-4-shaped UUID for (seed, *parts)."""
    return uuid.UUID(bytes=_digest(seed, parts)[:16], version=4)


def numpy_rng(seed: int, *parts: object) -> np.random.Generator:
    """A vectorised generator for bulk columns (one per portal and object type)."""
    return np.random.Generator(np.random.PCG64(derive_int(seed, *parts, bits=64)))


def record_rng(seed: int, *parts: object) -> random.Random:
    """A small generator for rendering one record's text on demand.

    Seeded from the record's identity (and revision), so text is never stored but always
    renders the same; seeding `random.Random` with an int is a few microseconds.
    """
    return random.Random(derive_int(seed, *parts))
