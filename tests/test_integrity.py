"""The worker's check that learner code rebound nothing the machinery relies on (integrity.py),
and the shortcut that keeps it cheap: only namespaces written to since they were found clean
are looked at again."""

import sys
import threading

import pytest
import torch

from grader.run.workers import integrity


@pytest.fixture
def snapshot():
    taken = integrity.Snapshot()
    assert taken.changed() == ""
    return taken


def test_this_python_tells_which_namespaces_were_written_to():
    """The shortcut is on here (CPython 3.11 to 3.13): otherwise every answer pays the full
    check (0.5 ms in a worker), which is still correct."""
    if sys.implementation.name == "cpython" and (3, 11) <= sys.version_info[:2] <= (3, 13):
        assert integrity._tags_follow_writes()
    writes = integrity.DictWrites([vars(integrity), torch.Tensor.__dict__])
    assert writes.since_clean() == [] or writes._tags is None


def test_a_rebinding_is_named_after_clean_answers(snapshot, monkeypatch):
    for _ in range(3):
        assert snapshot.changed() == ""
    monkeypatch.setattr(torch.Tensor, "numpy", lambda self: None)
    assert snapshot.changed() == "torch.Tensor.numpy"
    assert snapshot.changed() == "torch.Tensor.numpy"  # still, at every answer


def test_a_name_put_back_is_clean_again(snapshot, monkeypatch):
    monkeypatch.setattr(torch.random, "get_rng_state", lambda: None)
    assert snapshot.changed() == "torch.random.get_rng_state"
    monkeypatch.undo()
    assert snapshot.changed() == ""


def test_a_new_entry_that_shadows_an_inherited_one_is_named(snapshot, monkeypatch):
    monkeypatch.setattr(torch.overrides.TorchFunctionMode, "__enter__", lambda self: self)
    assert "TorchFunctionMode" in snapshot.changed()


def test_a_write_made_while_the_check_runs_is_checked_at_the_next_answer(snapshot):
    """A learner's thread may write between the check and its bookkeeping: the namespaces are
    marked clean as of the tags read before the check, so that write is still unchecked."""
    written = snapshot._writes.since_clean()
    rebind = threading.Thread(target=setattr, args=(torch.Tensor, "clone", lambda self: self))
    try:
        rebind.start()
        rebind.join()
        snapshot._writes.clean(written)  # the bookkeeping of a check that ran before the write
        assert snapshot.changed() == "torch.Tensor.clone"
    finally:
        del torch.Tensor.clone  # (the inherited one again)
    assert snapshot.changed() == ""


def test_a_module_whose_class_is_swapped_is_named(snapshot):
    """A module class with a __getattribute__ that answers anything writes to no namespace."""
    evil = type("Evil", (type(torch.random),), {"__getattribute__": lambda self, name: None})
    original = type(torch.random)
    torch.random.__class__ = evil
    try:
        assert snapshot.changed() == "torch.random"
    finally:
        torch.random.__class__ = original
    assert snapshot.changed() == ""
