"""Golden values: what a suite's hand-written references computed for the public checks' inputs,
recorded when the learner kit is made, so the kit can check without holding the references
(which would be the answers).

A key is the reference's name and a digest of its arguments as the codec encodes them, on the
CPU (a check on CUDA or on the stand-in asks for the same value as on the CPU); the value is
kept on the CPU and put on the arguments' device when it is read back. A golden file holds
one exercise's values and a stamp: the digest of the suite files they came from, and torch's
version (other versions may compute other inputs or other values).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch
from torch.utils._pytree import tree_flatten, tree_map

from grader.run.shared import standin
from grader.run.shared.codec import decode_value, encode_value
from grader.run.shared.frames import ProtocolError

GOLDEN_FILE = "golden.bin"
_recorded: dict[str, dict[str, Any]] = {}  # exercise -> key -> value, while recording


class GoldenMissing(Exception):
    """The kit holds no recorded value for this call (a reference called with other inputs)."""


class GoldenStale(Exception):
    """The kit's values were recorded with another torch (or other suites)."""


def key_of(name: str, args: tuple, kwargs: dict) -> str:
    on_cpu = tree_map(_to_cpu, (args, kwargs))
    return f"{name}:{hashlib.sha256(encode_value(on_cpu)).hexdigest()[:32]}"


def record(exercise: str, key: str, value: Any) -> None:
    _recorded.setdefault(exercise, {})[key] = tree_map(_to_cpu, value)


def recorded() -> dict[str, dict[str, Any]]:
    return _recorded


def write(folder: Path, suites: Path) -> list[Path]:
    """One golden file per exercise recorded so far, in `folder/<exercise>/`, stamped from
    the suite folders under `suites`."""
    written = []
    for exercise, values in sorted(_recorded.items()):
        path = folder / exercise / GOLDEN_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = stamp_of(suites / exercise)
        path.write_bytes(encode_value({"stamp": stamp, "values": values}))
        written.append(path)
    return written


def stamp_of(folder: Path) -> dict[str, str]:
    """What recorded values depend on: the suite's shipped files, and torch's version."""
    digest = hashlib.sha256()
    for name in ("test_public.py", "probes.py"):
        path = folder / name
        if path.is_file():
            digest.update(path.read_bytes())
    return {"suites": digest.hexdigest()[:16], "torch": torch_version()}


def load(path: Path, stamp: dict[str, str]) -> dict[str, Any]:
    """A kit's recorded values, if made for these suites and this torch (else GoldenStale)."""
    try:
        data = decode_value(path.read_bytes())
    except (OSError, ProtocolError) as exc:
        raise GoldenStale(f"cannot read {path.name}: {exc}") from None
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        made = data.get("stamp") if isinstance(data, dict) else None
        raise GoldenStale(str((made or {}).get("torch", "?")))
    values = data.get("values")
    return values if isinstance(values, dict) else {}


def placed(value: Any, args: tuple, kwargs: dict) -> Any:
    """A recorded value on the device of the call's first tensor argument."""
    flat, _ = tree_flatten((args, kwargs))
    device = next((t.device for t in flat if isinstance(t, torch.Tensor)), None)
    if device is None or device.type == "cpu":
        return value
    if device.type == standin.NAME:
        return tree_map(standin.wrap, value)
    return tree_map(lambda v: v.to(device) if isinstance(v, torch.Tensor) else v, value)


def torch_version() -> str:
    return ".".join(torch.__version__.split("+")[0].split(".")[:2])


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return standin.unwrap(value).detach().cpu()
    return value
