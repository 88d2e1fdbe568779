"""Comparisons that explain: a mismatch told the way a learner needs it (shape, dtype or device
first; then how many values differ, the largest differences and where)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import torch

from grader.messages import say
from grader.run.judge.problems import LearnerRaised, NotImplementedYet
from grader.run.shared.codec import Foreign


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message is for the learner."""


def fail(message: str) -> NoReturn:
    raise CheckFailed(message)


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
    dtype_from: str = "input",
    device_from: str = "input",
) -> None:
    """Fail with a learner-readable message unless `actual` matches `expected`:
    type, then shape, dtype and device, then values (count, largest errors and where).

    `dtype_from` and `device_from` say where the docstring takes the result's dtype and
    device from, so that the hint never contradicts it: "input" (the input tensor's, the
    course's default), "fixed" (always the same, e.g. int64), or an argument as "dtype=" /
    "device=" (the one the caller passed, or its default)."""
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
                hint=_hint("dtype", dtype_from, expected.dtype),
            )
        )
    if check_device and not _same_device(actual.device, expected.device):
        fail(
            say(
                "device_mismatch",
                what=what,
                expected=expected.device,
                got=actual.device,
                hint=_hint("device", device_from, expected.device),
            )
        )
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
    # A relative difference means something only where the expected value is not 0.
    relative = mismatched & (e != 0) if e.dtype != torch.bool else torch.zeros_like(mismatched)
    rel = torch.where(relative, diff / e.abs().to(torch.float64).clamp_min(1e-300), 0.0)
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
    if (e.dtype.is_floating_point or e.dtype.is_complex) and bool(relative.any()):
        lines.append(
            say(
                "values_rel",
                rel_err=float(rel.flatten()[flat_rel]),
                rel_index=_index(flat_rel, a.shape),
            )
        )
    if e.dtype.is_floating_point or e.dtype.is_complex:
        lines.append(say("values_tolerance", atol=atol, rtol=rtol))
    fail("\n".join(lines))


def _hint(what: str, source: str, expected: Any) -> str:
    """The hint of a dtype or device mismatch, from where the docstring takes it."""
    if source == "fixed":
        shown = _dtype(expected) if isinstance(expected, torch.dtype) else str(expected)
        return say(f"{what}_hint_fixed", expected=shown)
    if source.endswith("="):
        return say(f"{what}_hint_argument", argument=source)
    return say(f"{what}_hint_input")


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
        if isinstance(raised, NotImplementedYet) and type_name != "NotImplementedError":
            raise  # the stub: "not written yet", whatever the check expected of it
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
