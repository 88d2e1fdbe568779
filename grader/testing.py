"""What a suite author uses: markers, devices, seeded inputs, and comparisons that explain.

    from grader.testing import assert_close, devices, make_tensor, points, public

    pytestmark = public

    @points(2)
    @devices("cpu", "cuda", "meta")
    def test_softmax_matches_torch(learner, device):
        "softmax(x, dim) equals torch.softmax"
        x = make_tensor(4, 5, seed=1, device=device)
        assert_close(learner.softmax(x, dim=1), torch.softmax(x, dim=1), what="softmax(x, dim=1)")

Expected values are always computed here, in the judge, with real PyTorch. Suites import
from this module only (its `__all__`); probes import from `grader.probe`.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
import torch

from grader.messages import say
from grader.run.judge.problems import LearnerRaised, NotImplementedYet, explain_device_error
from grader.run.judge.seeds import mixed as seeded
from grader.run.shared.codec import Foreign, NamedTupleValue
from grader.run.shared.devices import has_meta, is_device_error

__all__ = [
    "CheckFailed",
    "LearnerRaised",
    "NamedTupleValue",
    "NotImplementedYet",
    "assert_close",
    "assert_equal",
    "assert_unchanged",
    "cuda_available",
    "default_tolerance",
    "devices",
    "expect_raises",
    "explain_device_error",
    "fail",
    "has_meta",
    "hidden",
    "is_device_error",
    "make_normal",
    "make_tensor",
    "points",
    "probes_of",
    "public",
    "public_suite",
    "seeded",
]

points = pytest.mark.points  # @points(2): what the check is worth
public = pytest.mark.public  # pytestmark = public, in test_public.py
hidden = pytest.mark.hidden  # pytestmark = hidden, in test_hidden.py


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message is for the learner."""


def fail(message: str) -> NoReturn:
    raise CheckFailed(message)


# ---------------------------------------------------------------- devices


def cuda_available() -> bool:
    return torch.cuda.is_available()


def devices(*names: str) -> pytest.MarkDecorator:
    """Run a check once per device, as its `device` argument: "cpu", "cuda", "meta".

    CUDA cases are skipped, with a reason, where the machine has no CUDA device. "meta"
    tensors have shapes and dtypes but no values: they catch code that creates tensors on
    a fixed device, on any machine.
    """
    params = []
    for name in names or ("cpu", "cuda"):
        marks = []
        if name == "cuda":
            marks.append(pytest.mark.skipif(not cuda_available(), reason=say("skipped_cuda")))
        params.append(pytest.param(name, id=name, marks=marks))
    return pytest.mark.parametrize("device", params)


# ---------------------------------------------------------------- probes, seen from the judge


def probes_of(suite_file: str) -> ModuleType:
    """The probes.py beside a suite file, imported here in the judge too, so that a check and
    its probe share one catalogue (e.g. the functions a learner's grad_of must differentiate).
    It is public, trusted course code: importing it never imports learner code."""
    return _sibling(suite_file, "probes.py", "probes")


def public_suite(suite_file: str) -> ModuleType:
    """The test_public.py beside a hidden suite: its helpers and hints, one copy for both.
    Imported under a name of its own, so pytest does not collect its checks twice."""
    return _sibling(suite_file, "test_public.py", "public")


@cache
def _sibling(suite_file: str, file_name: str, role: str) -> ModuleType:
    path = Path(suite_file).resolve().parent / file_name
    name = f"grader_judge_{role}_{path.parent.name}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, f"no {file_name} beside {suite_file}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- inputs


def make_tensor(
    *shape: int,
    seed: int,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    low: float = -2.0,
    high: float = 2.0,
    requires_grad: bool = False,
) -> torch.Tensor:
    """Uniform values in [low, high) from a seed: the same on every machine for a public
    check; in a hidden check, the seed is mixed with the grading run's secret (`seeded`)."""
    generator = torch.Generator().manual_seed(seeded(seed))
    if dtype.is_floating_point:
        tensor = torch.empty(shape, dtype=dtype).uniform_(low, high, generator=generator)
    else:
        tensor = torch.randint(int(low), int(high), shape, generator=generator, dtype=dtype)
    tensor = tensor.to(device)
    return tensor.requires_grad_(requires_grad) if requires_grad else tensor


def make_normal(
    *shape: int, seed: int, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu"
) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seeded(seed))
    return torch.randn(shape, generator=generator, dtype=dtype).to(device)


# ---------------------------------------------------------------- comparisons

# torch.testing.assert_close's defaults, per dtype: (rtol, atol).
_TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}


def default_tolerance(dtype: torch.dtype) -> tuple[float, float]:
    return _TOLERANCES.get(dtype, (0.0, 0.0))


def assert_close(
    actual: Any,
    expected: torch.Tensor,
    *,
    what: str,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
    check_device: bool = True,
    equal_nan: bool = False,
) -> None:
    """Fail with a learner-readable message unless `actual` matches `expected`:
    type, then shape, dtype and device, then values (count, largest errors and where)."""
    _check_is_tensor(actual, what)
    if tuple(actual.shape) != tuple(expected.shape):
        fail(say("shape_mismatch", what=what, expected=_shape(expected), got=_shape(actual)))
    if check_dtype and actual.dtype != expected.dtype:
        fail(
            say(
                "dtype_mismatch",
                what=what,
                expected=_dtype(expected.dtype),
                got=_dtype(actual.dtype),
                hint=say("dtype_hint"),
            )
        )
    if check_device and not _same_device(actual.device, expected.device):
        fail(say("device_mismatch", what=what, expected=expected.device, got=actual.device))
    if expected.device.type == "meta" or actual.device.type == "meta":
        return  # meta tensors have no values
    default_rtol, default_atol = default_tolerance(expected.dtype)
    _check_values(
        actual.detach().to("cpu"),
        expected.detach().to("cpu"),
        what,
        default_rtol if rtol is None else rtol,
        default_atol if atol is None else atol,
        equal_nan,
    )


def _check_is_tensor(actual: Any, what: str) -> None:
    if isinstance(actual, Foreign) and "Tensor" in actual.text:
        fail(say("expected_plain_tensor", what=what, got_type=actual.type_name))
    if not isinstance(actual, torch.Tensor):
        got_type = actual.type_name if isinstance(actual, Foreign) else type(actual).__name__
        shown = _short_repr(actual)
        fail(
            say(
                "expected_tensor",
                what=what,
                got_type=got_type,
                got_repr=f" ({shown})" if shown else "",
            )
        )


def _check_values(actual, expected, what, rtol, atol, equal_nan) -> None:
    if actual.dtype != expected.dtype:
        common = torch.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    if not (expected.dtype.is_floating_point or expected.dtype.is_complex):
        mismatched = actual != expected
        _report_mismatch(actual, expected, mismatched, what, rtol, atol)
        return
    a, e = (
        actual.to(torch.complex128 if expected.dtype.is_complex else torch.float64),
        expected.to(torch.complex128 if expected.dtype.is_complex else torch.float64),
    )
    bad_finite = torch.isfinite(e) & ~torch.isfinite(a)
    if bad_finite.any():
        index = _index(bad_finite.flatten().nonzero()[0].item(), a.shape)
        fail(say("values_nan", what=what, count=int(bad_finite.sum()), index=index))
    close = (a - e).abs() <= atol + rtol * e.abs()
    close |= a == e  # equal infinities
    if equal_nan:
        close |= torch.isnan(a) & torch.isnan(e)
    _report_mismatch(a, e, ~close, what, rtol, atol)


def _report_mismatch(a, e, mismatched, what, rtol, atol) -> None:
    count = int(mismatched.sum())
    if count == 0:
        return
    total = mismatched.numel()
    diff = (a - e).abs().to(torch.float64) if a.dtype != torch.bool else (a != e).to(torch.float64)
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
    flat_abs = int(torch.argmax(diff.flatten()))
    rel = diff / e.abs().to(torch.float64).clamp_min(1e-300) if e.dtype != torch.bool else diff
    flat_rel = int(torch.argmax(torch.nan_to_num(rel, nan=float("inf")).flatten()))
    lines = [
        say(
            "values_mismatch",
            what=what,
            count=count,
            total=total,
            percent=f"{100 * count / total:.1f}%",
        ),
        say(
            "values_abs",
            abs_err=float(diff.flatten()[flat_abs]),
            abs_index=_index(flat_abs, a.shape),
            abs_expected=_scalar(e.flatten()[flat_abs]),
            abs_got=_scalar(a.flatten()[flat_abs]),
        ),
    ]
    if e.dtype.is_floating_point or e.dtype.is_complex:
        lines.append(
            say(
                "values_rel",
                rel_err=float(rel.flatten()[flat_rel]),
                rel_index=_index(flat_rel, a.shape),
            )
        )
        lines.append(say("values_tolerance", atol=atol, rtol=rtol))
    fail("\n".join(lines))


def assert_equal(actual: Any, expected: Any, *, what: str) -> None:
    """For plain values (numbers, tuples, dtypes, strings): exact equality, types included."""
    if type(actual) is not type(expected) or actual != expected:
        fail(
            say(
                "value_mismatch",
                what=what,
                expected=_short_repr(expected, 200),
                got=_short_repr(actual, 200),
            )
        )


def assert_unchanged(before: torch.Tensor, after: Any, *, name: str, what: str) -> None:
    """The learner's function must not have written into its input `name`."""
    if not isinstance(after, torch.Tensor) or after.device.type == "meta":
        return
    if after.shape != before.shape or not torch.equal(after.detach().cpu(), before.detach().cpu()):
        fail(say("input_modified", what=what, name=name))


@contextmanager
def expect_raises(type_name: str, *, what: str, match: str | None = None) -> Iterator[None]:
    """The learner's code must raise `type_name` (or a subclass) inside the block."""
    try:
        yield
    except LearnerRaised as raised:
        if not raised.is_a(type_name):
            fail(
                say(
                    "expected_raise_other",
                    what=what,
                    expected=type_name,
                    got_type=raised.type_name,
                    got_message=raised.exc_message,
                )
            )
        if match is not None and match not in raised.exc_message:
            fail(
                say(
                    "expected_raise_other",
                    what=what,
                    expected=f"{type_name} mentioning {match!r}",
                    got_type=raised.type_name,
                    got_message=raised.exc_message,
                )
            )
        return
    fail(say("expected_raise", what=what, expected=type_name, got="normally"))


# ---------------------------------------------------------------- formatting


def _same_device(a: torch.device, b: torch.device) -> bool:
    if a.type != b.type:
        return False
    return a.index == b.index or a.index is None or b.index is None


def _shape(t: torch.Tensor) -> str:
    return str(tuple(t.shape))


def _dtype(dtype: torch.dtype) -> str:
    return str(dtype)


def _index(flat: int, shape: torch.Size) -> str:
    if len(shape) == 0:
        return "()"
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return str(tuple(reversed(index)))


def _scalar(value: torch.Tensor) -> str:
    item = value.item()
    return f"{item:.6g}" if isinstance(item, float) else str(item)


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
