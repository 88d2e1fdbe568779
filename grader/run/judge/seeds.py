"""Seeds of the running check: public checks draw their inputs from fixed seeds (a learner
runs them at home and must see the same inputs); hidden checks draw theirs from the same seeds
mixed with a secret drawn once per grading run, so no submission can know or replay them.
The secret is recorded with the results: a regrade with it reproduces every input."""

from __future__ import annotations

import hashlib
import secrets
import zlib

_secret: int | None = None  # set for the duration of a hidden check (plugin.pytest_runtest_setup)


def new_secret() -> int:
    return secrets.randbits(62)


def enter_check(nodeid: str, hidden: bool, secret: int | None) -> None:
    global _secret
    _secret = secret if hidden else None


def mixed(seed: int) -> int:
    """The seed a check should use for input `seed`: itself in a public check, a value no
    learner can predict in a hidden one."""
    if _secret is None:
        return seed
    digest = hashlib.blake2b(f"{_secret}:{seed}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2  # below 2**62: any torch or NumPy seed takes it


def worker_seed(nodeid: str) -> int:
    """What a worker reseeds its global RNGs with before the check's first call."""
    return mixed(zlib.crc32(nodeid.encode()))
