"""Hidden checks for 09 devices: other machines, structures and edge cases, run at grading time."""

from __future__ import annotations

from collections import namedtuple

import torch

from grader.testing import (
    LearnerRaised,
    NotImplementedYet,
    catalog,
    devices,
    expect_raises,
    fail,
    hidden,
    make_tensor,
    points,
    public_suite,
    variants,
)

pytestmark = hidden
CANARY = "hidden-suite-canary-5d1f0b7e"  # must never reach a learner (see tests/test_redteam.py)


H = public_suite(__file__)  # the public suite's helpers: one copy for both
check_device, check_moved, describe_machine = H.check_device, H.check_moved, H.describe_machine

# The public suite's sentences, and those only the hidden checks say.
MESSAGES = catalog(
    {
        **H.TEXTS,
        "cuda0_missing_here": (
            'pick_device("cuda:0") on a machine without CUDA',
            'pick_device("cuda:0") 在没有 CUDA 的机器上',
        ),
        "mps_missing_here": (
            'pick_device("mps") on a machine without MPS',
            'pick_device("mps") 在没有 MPS 的机器上',
        ),
        "wrong_error": (
            "{what}: expected ValueError, got {type_name}: {message}",
            "{what}：应抛出 ValueError，实际抛出 {type_name}：{message}",
        ),
        "error_unnamed": (
            "{what}: your ValueError says {message}, which does not name "
            'the missing device: say which one, e.g. f"device {{device}} is not '
            'available on this machine".',
            "{what}：你的 ValueError 说的是 {message}，没有指出缺少的设备：请说明是哪一个，例如 "
            'f"device {{device}} is not available on this machine"。',
        ),
        "returned_not_raised": (
            "{what}: expected ValueError, but your code returned {value}.",
            "{what}：应抛出 ValueError，但你的代码返回了 {value}。",
        ),
        "counted_unavailable": (
            'pick_device("cuda:0") on a machine where torch.cuda.device_count() is 1 but '
            "torch.cuda.is_available() is False (the CUDA driver does not start)",
            'pick_device("cuda:0") 在一台 torch.cuda.device_count() 为 1、但 '
            "torch.cuda.is_available() 为 False 的机器上（CUDA 驱动无法启动）",
        ),
        "settings_kept": (
            "{call}, where settings is an object "
            "with a _fields attribute that is not a tuple (as SQLAlchemy's Row): expected the "
            "same settings object back, got a {got}. Only a tuple with _fields is a "
            "namedtuple; every other object is returned as it is.",
            "{call}，其中 settings 是一个有 _fields 属性、但不是 tuple 的对象（就像 SQLAlchemy 的 "
            "Row）：应原样返回同一个 settings 对象，实际得到 {got}。只有带 _fields 的 tuple 才是 "
            "namedtuple；其他每个对象都原样返回。",
        ),
        "on_cuda": ('move_to(obj on cuda, "cpu")', 'move_to(在 cuda 上的 obj, "cpu")'),
        "with_x": ("{call} with x", "{call}，x 为原样的张量"),
        "with_x_variant": ("{call} with x (a {label} tensor)", "{call}，x 为 {label} 张量"),
    }
)

Sample = namedtuple("Sample", ["image", "label"])
Pair = namedtuple("Pair", ["left", "right"])
WORKSTATION = {"cuda": True, "cuda_count": 3, "mps": False}
ONE_GPU = {"cuda": True, "cuda_count": 1, "mps": False}
BOTH = {"cuda": True, "cuda_count": 1, "mps": True}
# NVML counts a GPU, but CUDA does not start: torch.cuda.is_available() is False.
BROKEN_DRIVER = {"cuda": False, "cuda_count": 1, "mps": False, "count_without_cuda": True}


# ---------------------------------------------------------------- pick_device


@points(1)
def test_pick_device_cuda_zero_here(learner):
    """pick_device("cuda:0") on the grading machine
    zh: pick_device("cuda:0") 在评分机器上"""
    if torch.cuda.is_available():
        check_device(learner.pick_device("cuda:0"), torch.device("cuda:0"), what='"cuda:0"')
    else:
        with expect_raises("ValueError", what=MESSAGES.say("cuda0_missing_here")):
            learner.pick_device("cuda:0")


@points(1)
def test_pick_device_mps_here(learner):
    """pick_device("mps") on the grading machine
    zh: pick_device("mps") 在评分机器上"""
    if torch.backends.mps.is_available():
        check_device(learner.pick_device("mps"), torch.device("mps"), what='pick_device("mps")')
    else:
        with expect_raises("ValueError", what=MESSAGES.say("mps_missing_here")):
            learner.pick_device("mps")


@points(1)
def test_pick_device_accepts_a_device(learner):
    """pick_device() accepts a torch.device as well as a string
    zh: pick_device() 既接受字符串，也接受 torch.device"""
    check_device(
        learner.pick_device(torch.device("cpu")),
        torch.device("cpu"),
        what='pick_device(torch.device("cpu"))',
    )


@points(2)
def test_pick_device_missing_on_other_machines(learner):
    """pick_device() raises ValueError for a GPU index or kind the machine lacks
    zh: pick_device() 对机器上没有的 GPU 编号或设备种类抛出 ValueError"""
    for machine, prefer in [
        (WORKSTATION, "cuda:3"),
        (H.MAC, "cuda"),
        (ONE_GPU, "mps"),
        (H.LAPTOP, "cuda:0"),
        (H.MAC, "xpu"),
        (H.LAPTOP, "xpu"),
        (WORKSTATION, "xpu:0"),
    ]:
        what = f'pick_device("{prefer}") {describe_machine(machine)}'
        with expect_raises("ValueError", what=what):
            learner.probe("pick_device_on", machine, prefer)


@points(1)
def test_pick_device_error_names_the_device(learner):
    """pick_device()'s ValueError says which device is missing
    zh: pick_device() 的 ValueError 说明缺少的是哪个设备"""
    for machine, prefer in [(H.LAPTOP, "cuda:1"), (H.MAC, "xpu")]:
        what = f'pick_device("{prefer}") {describe_machine(machine)}'
        try:
            got = learner.probe("pick_device_on", machine, prefer)
        except NotImplementedYet:
            raise
        except LearnerRaised as raised:
            if not raised.is_a("ValueError"):
                type_name, message = raised.type_name, raised.exc_message
                fail(MESSAGES.say("wrong_error", what=what, type_name=type_name, message=message))
            if prefer.split(":")[0] not in raised.exc_message.lower():
                fail(MESSAGES.say("error_unnamed", what=what, message=repr(raised.exc_message)))
            continue
        fail(MESSAGES.say("returned_not_raised", what=what, value=f"{got!r:.80}"))


@points(1)
def test_pick_device_single_gpu(learner):
    """pick_device("cuda") and ("cuda:0") on a machine with exactly one GPU
    zh: pick_device("cuda") 和 ("cuda:0") 在恰好有一块 GPU 的机器上"""
    for prefer in ("cuda", "cuda:0"):
        what = f'pick_device("{prefer}") {describe_machine(ONE_GPU)}'
        got = learner.probe("pick_device_on", ONE_GPU, prefer, describe=what)
        check_device(got, torch.device(prefer), what=what)


@points(1)
def test_pick_device_counted_but_unavailable(learner):
    """pick_device() needs torch.cuda.is_available(), not only a GPU count
    zh: pick_device() 要看 torch.cuda.is_available()，而不只是 GPU 的数量"""
    what = MESSAGES.say("counted_unavailable")
    with expect_raises("ValueError", what=what):
        learner.probe("pick_device_on", BROKEN_DRIVER, "cuda:0")


@points(1)
def test_pick_device_index_on_workstation(learner):
    """pick_device() returns the exact CUDA device asked for
    zh: pick_device() 返回所要求的那个 CUDA 设备"""
    for prefer in ("cuda:2", "cuda:0", "cuda"):
        check_device(
            learner.probe("pick_device_on", WORKSTATION, prefer),
            torch.device(prefer),
            what=f'pick_device("{prefer}") {describe_machine(WORKSTATION)}',
        )


@points(1)
def test_pick_device_cuda_over_mps(learner):
    """pick_device() takes CUDA over MPS on a machine that has both
    zh: pick_device() 在同时有 CUDA 和 MPS 的机器上选 CUDA"""
    check_device(
        learner.probe("pick_device_on", BOTH),
        torch.device("cuda"),
        what=f"pick_device() {describe_machine(BOTH)}",
    )
    check_device(
        learner.probe("pick_device_on", ONE_GPU),
        torch.device("cuda"),
        what=f"pick_device() {describe_machine(ONE_GPU)}",
    )


# ---------------------------------------------------------------- move_to


def deep_structure() -> list:
    return [
        {
            1: (
                {"weights": [make_tensor(2, 2, seed=201, dtype=torch.float64)]},
                Pair(make_tensor(3, seed=202), [torch.tensor([True, False]), "right"]),
            ),
            2: [],
        },
        (),
        {},
        [[make_tensor(1, seed=203, requires_grad=True)], 4.5],
        torch.arange(6, dtype=torch.int32).reshape(2, 3),
    ]


@points(2)
@devices("cpu", "cuda", "standin")
def test_move_to_deep(learner, device):
    """move_to() walks structures nested five deep, with int keys and empty containers
    zh: move_to() 遍历嵌套五层、带 int 键和空容器的结构"""
    obj = deep_structure()
    check_moved(learner.move_to(obj, device), obj, device, "", f'move_to(obj, "{device}")')


@points(1)
@devices("cpu", "standin")
def test_move_to_bare_values(learner, device):
    """move_to() on a bare tensor, and on values with no tensor at all
    zh: move_to() 作用于单独的张量，以及不含任何张量的值"""
    x = make_tensor(3, 2, seed=204)
    check_moved(learner.move_to(x, device), x, device, "", f'move_to(tensor, "{device}")')
    for value in (7, "text", None, [], (), {}):
        check_moved(learner.move_to(value, device), value, device, "", f"move_to({value!r})")


@points(1)
def test_move_to_object_with_fields(learner):
    """move_to() leaves an object that has _fields but is not a tuple as it is
    zh: move_to() 对有 _fields 但不是 tuple 的对象原样保留"""
    call = 'move_to({"x": tensor, "settings": settings}, "cpu")'
    seen = learner.probe("move_to_settings", "cpu", describe=call)
    if not seen["kept"]:
        fail(MESSAGES.say("settings_kept", call=call, got=seen["got"]))


@points(1)
def test_move_to_device_object(learner):
    """move_to() accepts a torch.device as well as a string
    zh: move_to() 既接受字符串，也接受 torch.device"""
    obj = Sample(image=make_tensor(2, 2, seed=205), label=3)
    call = 'move_to(Sample(image, label), torch.device("meta"))'
    got = H.call_with_namedtuple_hint(learner, obj, torch.device("meta"), call)
    check_moved(got, obj, "meta", "", call)


@points(1)
@devices("cuda")
def test_move_to_back_to_cpu(learner, device):
    """move_to() brings tensors from the GPU back to the CPU
    zh: move_to() 把张量从 GPU 移回 CPU"""
    obj = {"out": make_tensor(2, 3, seed=206, device=device), "n": [make_tensor(1, seed=207)]}
    check_moved(learner.move_to(obj, "cpu"), obj, "cpu", "", MESSAGES.say("on_cuda"))


@points(1)
@devices("cpu", "standin")
def test_move_to_namedtuples_of_namedtuples(learner, device):
    """move_to() keeps every namedtuple type in a list of nested namedtuples
    zh: move_to() 在嵌套 namedtuple 的列表中保留每个 namedtuple 类型"""
    obj = [
        Pair(Sample(make_tensor(2, seed=208), 0), Sample(make_tensor(2, seed=209), 1)),
        Sample(image=[make_tensor(1, 1, seed=210)], label="cat"),
    ]
    call = f'move_to([Pair(Sample, Sample), Sample], "{device}")'
    check_moved(H.call_with_namedtuple_hint(learner, obj, device, call), obj, device, "", call)


@points(1)
@devices("cpu", "standin")
def test_move_to_tensor_variants(learner, device):
    """move_to() moves float64, non-contiguous and requires-grad tensors, each as tensor.to() does
    zh: move_to() 移动 float64、非连续和需要梯度的张量，每个都与 tensor.to() 的结果相同"""
    base = make_tensor(3, 4, seed=211)
    family = variants(base, dtypes=(torch.float64, torch.float16))
    for variant in family:
        obj = {"x": variant.tensor, "pair": [variant.tensor, 1]}
        shown = f'move_to({{"x": x, "pair": [x, 1]}}, "{device}")'
        if variant.label == "as given":
            call = MESSAGES.say("with_x", call=shown)
        else:
            call = MESSAGES.say("with_x_variant", call=shown, label=variant.label)
        check_moved(learner.move_to(obj, device), obj, device, "", call)
