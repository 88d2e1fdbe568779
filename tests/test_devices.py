"""The stand-in device: a pretend GPU that computes on the CPU. It must catch tensors made on a
fixed device, as a GPU would, and never fail code that is correct on a GPU (data-dependent
ops, .item(), modules moved with .to(), optimizers, generators)."""

import json

import numpy as np
import pytest
import torch
from helpers import make_submission, replace_function, run_grader, solution

from grader.run.shared import standin
from grader.run.shared.codec import decode_value, encode_value
from grader.run.shared.devices import is_device_error


def on_standin(*tensors):
    return [standin.wrap(t) for t in tensors]


def test_a_stand_in_tensor_says_where_it_is_and_computes_for_real():
    (x,) = on_standin(torch.arange(6.0).reshape(2, 3))
    with standin.active():
        y = torch.softmax(x, 1)
        assert y.device == standin.DEVICE and torch.allclose(y.cpu(), torch.softmax(x.cpu(), 1))
        assert x[x > 2].cpu().tolist() == [3.0, 4.0, 5.0]  # a boolean mask: data-dependent
        assert x.sum().item() == 15.0 and torch.where(x > 4)[1].tolist() == [2]
        assert torch.zeros(2, device=x.device).device == standin.DEVICE
        assert torch.zeros_like(x).device == x.new_ones(1).device == standin.DEVICE
        assert torch.ones(2).to(x.device).device == standin.DEVICE
        assert (x * torch.tensor(2.0)).device == standin.DEVICE  # 0-d CPU tensors mix, as on CUDA


@pytest.mark.parametrize(
    "mistake",
    [
        lambda x: x + torch.ones(2, 3),  # made on the CPU, whatever x's device
        lambda x: x @ torch.ones(3, 3, device="cpu"),
        lambda x: torch.cat([x, torch.zeros(1, 3)]),
    ],
)
def test_mixing_devices_is_refused_as_a_gpu_would(mistake):
    (x,) = on_standin(torch.ones(2, 3))
    with standin.active(), pytest.raises(RuntimeError) as caught:
        mistake(x)
    assert is_device_error(str(caught.value))


def test_numpy_needs_cpu_first_as_on_a_gpu():
    (x,) = on_standin(torch.ones(2))
    with standin.active():
        with pytest.raises(TypeError):
            x.numpy()
        assert isinstance(x.detach().cpu().numpy(), np.ndarray)


def test_modules_optimizers_and_generators_work_on_the_stand_in():
    with standin.active():
        model = torch.nn.Linear(3, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        weight = model.weight
        model.to(standin.DEVICE)  # after the optimizer: Module.to keeps the parameter objects
        assert model.weight is weight and model.weight.device == standin.DEVICE
        (x,) = on_standin(torch.randn(4, 3))
        loss = torch.nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 1, 0]).to(x.device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        assert model.weight.grad.device == standin.DEVICE and loss.item() > 0
        generator = torch.Generator(x.device).manual_seed(0)
        assert torch.randn(2, generator=generator, device=x.device).device == standin.DEVICE
        built = torch.nn.Linear(3, 2, device=standin.DEVICE)
        assert isinstance(built.weight, torch.nn.Parameter) and built(x).device == standin.DEVICE


def test_stand_in_tensors_cross_the_wire_as_stand_ins():
    (x,) = on_standin(torch.randn(2, 3))
    back = decode_value(encode_value({"x": x, "p": standin.wrap(torch.nn.Parameter(x.cpu()))}))
    assert standin.is_standin(back["x"]) and torch.equal(back["x"].cpu(), x.cpu())
    assert isinstance(back["p"], torch.nn.Parameter) and standin.is_standin(back["p"])
    host = decode_value(encode_value(standin.host(torch.ones(2))))
    assert type(host) is torch.Tensor and host.device.type == "cpu"  # a host tensor is a CPU one


HARD_CODED = replace_function(
    solution("ex02_ops.py"),
    "batched_matmul",
    "    ones = torch.ones(a.shape[-1])  # made on the CPU, whatever a's device\n"
    "    return (a.unsqueeze(-1) * b.unsqueeze(-3) * ones.unsqueeze(-1)).sum(dim=-2)\n",
)
MASKED = replace_function(
    solution("ex02_ops.py"),
    "masked_mean",
    # Correct on a GPU: boolean masks and .item() (data-dependent shapes, values read back).
    "    x, mask = torch.movedim(x, dim, -1), torch.movedim(mask, dim, -1)\n"
    "    out = torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)\n"
    "    flat_x, flat_m, flat_out = x.reshape(-1, x.shape[-1]), mask.reshape(-1, mask.shape[-1]), out.reshape(-1)\n"
    "    for i in range(flat_x.shape[0]):\n"
    "        if flat_m[i].any().item():\n"
    "            flat_out[i] = flat_x[i][flat_m[i]].mean()\n"
    "    return out\n",
)


def graded(tmp_path, source):
    sub = make_submission(tmp_path / "sub", {"ex02_ops.py": source})
    done = run_grader("grade", str(sub), "--out", str(tmp_path / "out"), "-e", "02")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    return [c for e in results["exercises"] for c in e["checks"]]


@pytest.mark.slow
def test_a_hard_coded_cpu_tensor_loses_points_with_a_device_message(tmp_path):
    matmul = [c for c in graded(tmp_path, HARD_CODED) if c["title"].startswith("batched_matmul")]
    stand_in = [c for c in matmul if c["device"] == "standin"]
    assert stand_in and all(c["outcome"] == "failed" and c["kind"] == "device" for c in stand_in)
    assert all("Create new tensors on the input's device" in c["message"] for c in stand_in)
    assert all("meta" not in c["message"] for c in stand_in)
    assert all(c["outcome"] == "passed" for c in matmul if c["device"] in (None, "cpu"))


@pytest.mark.slow
def test_correct_code_with_data_dependent_ops_keeps_every_point(tmp_path):
    masked = [c for c in graded(tmp_path, MASKED) if c["title"].startswith("masked_mean")]
    assert {c["device"] for c in masked} >= {"standin"}
    assert all(c["outcome"] in ("passed", "skipped") for c in masked), [
        c["message"] for c in masked if c["outcome"] != "passed"
    ]
