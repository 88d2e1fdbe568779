"""What a suite author uses: markers, devices, seeded inputs, and comparisons that explain.

    from grader.testing import assert_close, devices, make_tensor, points, public

    pytestmark = public

    @points(2)
    @devices("cpu", "cuda", "standin")
    def test_softmax_matches_torch(learner, device):
        "softmax(x, dim) equals torch.softmax"
        x = make_tensor(4, 5, seed=1, device=device)
        assert_close(learner.softmax(x, dim=1), torch.softmax(x, dim=1), what="softmax(x, dim=1)")

Expected values are always computed here, in the judge, with real PyTorch. Suites import
from this module only (its `__all__`); probes import from `grader.probe`.
"""

from __future__ import annotations

from grader.run.judge.problems import LearnerRaised, NotImplementedYet, explain_device_error
from grader.run.judge.seeds import mixed as seeded
from grader.run.shared.codec import NamedTupleValue
from grader.run.shared.devices import is_device_error
from grader.testing.catalog import Catalog, catalog
from grader.testing.compare import (
    CheckFailed,
    assert_close,
    assert_equal,
    assert_unchanged,
    default_tolerance,
    expect_raises,
    fail,
)
from grader.testing.inputs import Variant, make_normal, make_tensor, variants
from grader.testing.references import references
from grader.testing.suite import (
    cuda_available,
    devices,
    hidden,
    on_cpu,
    points,
    probes_of,
    public,
    public_suite,
)

__all__ = [
    "Catalog",
    "CheckFailed",
    "LearnerRaised",
    "NamedTupleValue",
    "NotImplementedYet",
    "Variant",
    "assert_close",
    "assert_equal",
    "assert_unchanged",
    "catalog",
    "cuda_available",
    "default_tolerance",
    "devices",
    "expect_raises",
    "explain_device_error",
    "fail",
    "hidden",
    "is_device_error",
    "make_normal",
    "make_tensor",
    "on_cpu",
    "points",
    "probes_of",
    "public",
    "public_suite",
    "references",
    "seeded",
    "variants",
]
