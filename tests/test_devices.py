"""Device discipline: meta checks catch tensors made on a fixed device, on a CPU-only machine."""

import json

import pytest
import torch
from helpers import make_submission, replace_function, run_grader, solution

from grader.run.shared.devices import SameDeviceMode, has_meta, is_device_error


def test_mixing_devices_is_refused_even_where_meta_kernels_allow_it():
    x = torch.empty(3, 2, device="meta")
    assert (x @ torch.ones(2, 2)).device.type == "meta", "meta alone lets this through"
    with SameDeviceMode(), pytest.raises(RuntimeError) as caught:
        x @ torch.ones(2, 2)
    assert is_device_error(str(caught.value))


def test_honest_meta_code_still_runs():
    x = torch.empty(3, 2, device="meta")
    with SameDeviceMode():
        for result in (
            x[:, None],
            x[0],
            x * torch.tensor(2.0),
            torch.softmax(x, 1),
            torch.zeros_like(x),
        ):
            assert result.device.type == "meta"


def test_has_meta_looks_inside_containers():
    assert has_meta(((1, [torch.empty(1, device="meta")]), {}))
    assert not has_meta(((torch.ones(1),), {"y": 2}))


HARD_CODED = replace_function(
    solution("ex02_ops.py"),
    "batched_matmul",
    "    ones = torch.ones(a.shape[-1])  # made on the CPU, whatever a's device\n"
    "    return (a.unsqueeze(-1) * b.unsqueeze(-3) * ones.unsqueeze(-1)).sum(dim=-2)\n",
)


@pytest.mark.slow
def test_a_hard_coded_cpu_tensor_loses_points_with_a_device_message(tmp_path):
    sub = make_submission(tmp_path / "sub", {"ex02_ops.py": HARD_CODED})
    done = run_grader("grade", str(sub), "--out", str(tmp_path / "out"), "-e", "02")
    assert done.returncode == 0, done.stderr
    checks = [
        c
        for e in json.loads((tmp_path / "out" / "results.json").read_text())["exercises"]
        for c in e["checks"]
    ]
    matmul = [c for c in checks if c["title"].startswith("batched_matmul")]
    meta = [c for c in matmul if c["device"] == "meta"]
    assert meta and all(c["outcome"] == "failed" and c["kind"] == "device" for c in meta)
    assert all("Create new tensors on the input's device" in c["message"] for c in meta)
    assert all(c["outcome"] == "passed" for c in matmul if c["device"] in (None, "cpu"))


@pytest.mark.slow
def test_meta_kernels_run_without_importing_dynamo():
    """Pins the private torch API that devices.skip_dynamo_on_meta_kernels relies on: if a
    torch upgrade changes it, this fails (and meta checks are only slower to start)."""
    import subprocess
    import sys

    script = (
        "import sys, torch\n"
        "from grader.run.shared.devices import skip_dynamo_on_meta_kernels\n"
        "touched = skip_dynamo_on_meta_kernels()\n"
        "x = torch.empty(3, 4, device='meta')\n"
        "y = torch.stack([x + x, x.exp()]).amax(0)\n"
        "print(touched > 100, y.shape == (3, 4), y.device.type, 'torch._dynamo' in sys.modules,\n"
        "      torch.cuda.is_initialized())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["True", "True", "meta", "False", "False"], done.stderr
