"""Side effects: after a call, every input it was handed is compared with what it held before."""

import numpy as np
import pytest
import torch

from grader.run.shared import standin
from grader.run.workers.effects import changes, record


def after(function, *args, **kwargs):
    handed = record(function, args, kwargs)
    function(*args, **kwargs)
    return changes(handed)


def f(x, items=None):
    """A stand-in for a learner's function: each case below does one thing to its inputs."""


@pytest.mark.parametrize(
    "act, what",
    [
        (lambda x, items: x.add_(1), "values"),
        (lambda x, items: x.sub_(1).add_(1), "written_back"),
        (lambda x, items: x.requires_grad_(), "requires_grad"),
        (lambda x, items: x.resize_(6), "shape"),
        (lambda x, items: x.t_(), "strides"),
        (lambda x, items: items.append(1), "items"),
    ],
)
def test_each_kind_of_change_is_named(act, what):
    x, items = torch.ones(3, 3), [torch.zeros(1)]  # square: t_() changes strides, not shape

    def learner(x, items):
        act(x, items)

    found = after(learner, x, items)
    assert found and found[0]["what"] == what
    assert found[0]["where"] == ("items" if what == "items" else "x")


def test_a_gradient_left_behind_is_a_change():
    x = torch.ones(3, requires_grad=True)

    def learner(x):
        (x * 2).sum().backward()

    assert after(learner, x) == [{"where": "x", "what": "grad"}]


def test_inside_containers_and_numpy_arrays():
    batch = {"images": [torch.ones(2), torch.zeros(2)], "array": np.arange(3)}

    def learner(batch):
        batch["images"][1][0] = 5
        batch["array"][0] = 9

    found = after(learner, batch)
    assert {c["where"] for c in found} == {"batch['images'][1]", "batch['array']"}


def test_a_call_that_reads_only_changes_nothing():
    x = standin.wrap(torch.arange(12.0).reshape(3, 4))  # whole numbers: x - 1 + 1 == x
    with standin.active():
        assert after(lambda x, dim=-1: torch.softmax(x, dim), x) == []
        assert after(lambda x: x.sub_(1).add_(1), x)[0]["what"] == "written_back"


def test_arguments_are_named_by_each_function_s_own_signature():
    """Signatures are read once per function (reading one is audited in a worker): a function
    defined again, a method bound to another object, each is named by its own."""

    def first(weights):
        weights.add_(1)

    def second(bias):
        bias.add_(1)

    class Layer:
        def step(self, grads):
            grads.add_(1)

    for function, name in [(first, "weights"), (second, "bias"), (first, "weights")]:
        assert after(function, torch.ones(2))[0]["where"] == name
    for layer in (Layer(), Layer()):
        assert after(layer.step, torch.ones(2))[0]["where"] == "grads"
    for _ in range(2):  # a function made again: a new object, maybe at the same address

        def again(other):
            other.add_(1)

        assert after(again, torch.ones(2))[0]["where"] == "other"
