"""The forbidden-call guard: which call, made by which learner function, and nothing else."""

import importlib.util
import subprocess
import sys
import textwrap

import pytest
import torch

from grader.run.workers import guard

LEARNER = """
import torch
import torch.nn.functional as F

def f(x):
    return torch.softmax(x, 0)

def f_method(x):
    return x.softmax(0)

def f_helper(x):
    return _helper(x)

def _helper(x):
    return torch.softmax(x, 0)

def g(x):
    return torch.softmax(x, 0)

def f_through_torch(x):
    return F.gumbel_softmax(x, tau=1.0)

def f_swallows(x):
    try:
        return torch.softmax(x, 0)
    except Exception:
        return x

def f_matmul(a, b):
    return a @ b

def f_creates(n):
    return torch.zeros(n)

class Hashed:  # a callable handed to torch's dispatch as if it were a torch function
    hashed = 0

    def __hash__(self):
        Hashed.hashed += 1
        return 0

    def __call__(self, x):
        return x

def f_hands_own_callable(x):
    return torch.overrides.handle_torch_function(Hashed(), (x,), x)
"""

RULES = {
    "f*": [
        "torch.softmax",
        "Tensor.softmax",
        "Tensor.__matmul__",
        "Tensor.matmul",
        "@tensor_factories",
    ],
}


@pytest.fixture
def learner(tmp_path):
    path = tmp_path / "ex_guard.py"
    path.write_text(LEARNER)
    spec = importlib.util.spec_from_file_location("ex_guard_learner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, tmp_path


def run(learner, name, *args):
    module, root = learner
    with guard.armed(RULES, root) as violations:
        try:
            getattr(module, name)(*args)
        except guard.ForbiddenCall:
            pass
    return [(v.api, v.function) for v in violations]


def test_a_direct_call_is_caught_and_named(learner):
    assert run(learner, "f", torch.ones(3)) == [("torch.softmax", "f")]
    assert run(learner, "f_method", torch.ones(3)) == [("Tensor.softmax", "f_method")]
    assert run(learner, "f_matmul", torch.ones(2, 2), torch.ones(2, 2))[0][1] == "f_matmul"
    assert run(learner, "f_creates", 3) == [("torch.zeros", "f_creates")]


def test_a_helper_called_from_a_guarded_function_is_caught(learner):
    assert run(learner, "f_helper", torch.ones(3)) == [("torch.softmax", "_helper")]


def test_functions_outside_the_rule_are_free(learner):
    assert run(learner, "g", torch.ones(3)) == []


def test_torch_calling_its_own_internals_is_not_the_learner(learner):
    assert run(learner, "f_through_torch", torch.ones(3)) == []


def test_the_mode_runs_no_learner_code_to_look_a_call_up(learner):
    """A learner's own callable, dispatched as a torch function: its __hash__ never runs inside
    the guard's mode (where torch runs with the mode set aside)."""
    module, _ = learner
    assert run(learner, "f_hands_own_callable", torch.ones(3)) == []
    assert module.Hashed.hashed == 0


def test_catching_the_error_does_not_hide_the_call(learner):
    assert run(learner, "f_swallows", torch.ones(3)) == [("torch.softmax", "f_swallows")]


@pytest.mark.slow
def test_tripwires_catch_pure_python_functions_and_classes_imported_by_name(tmp_path):
    (tmp_path / "ex_trip.py").write_text(
        textwrap.dedent("""
        from torch import broadcast_shapes
        from torch.nn import Linear
        def f(a, b):
            return broadcast_shapes(a, b)
        def make():
            return Linear(2, 3)
    """)
    )
    script = textwrap.dedent(f'''
        import importlib.util, torch
        from pathlib import Path
        from grader.run.workers import guard
        rules = {{"f": ["torch.broadcast_shapes"], "make": ["torch.nn.Linear"]}}
        guard.install_tripwires([rules])
        spec = importlib.util.spec_from_file_location("ex_trip", "{tmp_path}/ex_trip.py")
        m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
        for name, args in (("f", ((2, 1), (3,))), ("make", ())):
            with guard.armed(rules, Path("{tmp_path}")) as seen:
                try:
                    getattr(m, name)(*args)
                except guard.ForbiddenCall:
                    pass
            print(name, [v.api for v in seen])
        print("outside", torch.broadcast_shapes((2, 1), (3,)), type(torch.nn.Linear(1, 1)).__name__)
    ''')
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "f ['torch.broadcast_shapes']",
        "make ['torch.nn.Linear']",
        "outside torch.Size([2, 3]) Linear",
    ]


def test_the_guards_dispatch_modes_never_import_torch_dynamo():
    """torch wraps a dispatch mode's __torch_dispatch__ in torch._disable_dynamo, which imports
    torch._dynamo (1.8 s, 800 modules) the first time the mode runs: inside a learner's call,
    in a learner's thread. The guard's modes opt out, so a worker needs dynamo only where
    torch.optim does."""
    script = textwrap.dedent("""
        import sys, threading, torch
        from grader.run.workers import guard
        assert "torch._dynamo" not in sys.modules
        with guard._KernelGuard(frozenset({"aten::mm"})):
            float((torch.ones(2) * 2).sum())
        worker = threading.Thread(target=lambda: float((torch.ones(2) * 2).sum()))
        guard.guard_threads()
        worker.start(); worker.join()
        print("torch._dynamo" in sys.modules)
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_libraries_that_read_frames_for_themselves_are_not_the_learner_in_a_thread():
    """In a thread learner code started, an audited operation is the learner's unless a
    library that reads frames for itself asked: typing's backport does, for every Optional[...]
    an optimizer's step builds (an honest thread running torch.optim was stopped for it)."""
    import typing_extensions

    from grader.run.workers import tamper

    assert tamper._consumer(typing_extensions.__file__)
    assert tamper._consumer("<frozen importlib._bootstrap_external>")  # an import, as in main
    assert not tamper._consumer("/tmp/planted.py")
    assert not tamper._consumer(tamper._STDLIB + "ctypes/__init__.py")
