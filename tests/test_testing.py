"""The suite author's comparisons: they must explain a mismatch the way a learner needs it."""

import pytest
import torch

from grader.run.judge.problems import LearnerRaised
from grader.run.shared.codec import Foreign
from grader.testing import CheckFailed, assert_close, assert_equal, expect_raises, make_tensor


def message(actual, expected, **kwargs):
    with pytest.raises(CheckFailed) as caught:
        assert_close(actual, expected, what="f(x)", **kwargs)
    return str(caught.value)


def test_matching_tensors_pass():
    x = make_tensor(3, 4, seed=1)
    assert_close(x + 1e-7, x, what="f(x)")


def test_wrong_type_is_named():
    assert "expected a torch.Tensor, got list" in message([1, 2], torch.ones(2))
    assert "plain torch.Tensor" in message(
        Foreign("Sneaky", "a subclass of torch.Tensor"), torch.ones(2)
    )


def test_shape_comes_before_values():
    assert "wrong shape: expected (4, 3), got (3, 4)" in message(
        torch.zeros(3, 4), torch.ones(4, 3)
    )


def test_dtype_and_device_are_named():
    assert "wrong dtype: expected torch.float64, got torch.float32" in message(
        torch.ones(2), torch.ones(2, dtype=torch.float64)
    )
    text = message(torch.ones(2), torch.ones(2, device="meta"))
    assert "wrong device: expected meta, got cpu" in text and "x.device" in text


def test_value_mismatch_says_how_many_and_where():
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 0.5
    actual[0, 0] = 1e-3
    text = message(actual, expected)
    assert "2 of 6 values differ" in text
    assert "0.5 at index (1, 2) (expected 0, got 0.5)" in text
    assert "Allowed: |got - expected|" in text


def test_nan_where_torch_is_finite_is_explained():
    text = message(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 0.5]))
    assert "NaN or infinite" in text and "index (1,)" in text


def test_meta_tensors_compare_shape_dtype_device_only():
    assert_close(torch.empty(2, 3, device="meta"), torch.empty(2, 3, device="meta"), what="f(x)")


def test_integer_tensors_compare_exactly():
    assert "1 of 3 values differ" in message(torch.tensor([1, 2, 4]), torch.tensor([1, 2, 3]))


def test_assert_equal_checks_type_too():
    assert_equal((2, 3), (2, 3), what="shape")
    with pytest.raises(CheckFailed, match="expected \\(2, 3\\), got \\[2, 3\\]"):
        assert_equal([2, 3], (2, 3), what="shape")


def raised(type_name, message="boom"):
    return LearnerRaised(
        "m", {"type": type_name, "mro": [type_name, "Exception"], "message": message}, "f()"
    )


def test_expect_raises():
    with expect_raises("ValueError", what="f()", match="7"):
        raise raised("ValueError", "label 7 is bad")
    with pytest.raises(CheckFailed, match="expected ValueError, but your code raised KeyError"):
        with expect_raises("ValueError", what="f()"):
            raise raised("KeyError")
    with pytest.raises(CheckFailed, match="returned normally"):
        with expect_raises("ValueError", what="f()"):
            pass
