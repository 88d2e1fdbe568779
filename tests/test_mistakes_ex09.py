"""Exercise 09's checks catch the usual device mistakes, each with a message that says which."""

import pytest
from helpers import checks_named, grade_mutants, replace_function, solution

pytestmark = pytest.mark.slow  # grades real submissions

FILE = "ex09_devices.py"
SOLUTION = solution(FILE)

IGNORES_PREFER = (
    "    if prefer is not None:\n",
    "    if False:  # prefer is ignored\n",
)
MPS_OVER_CUDA = (
    "    if torch.cuda.is_available():\n"
    '        return torch.device("cuda")\n'
    "    if torch.backends.mps.is_available():\n"
    '        return torch.device("mps")\n',
    "    if torch.backends.mps.is_available():\n"
    '        return torch.device("mps")\n'
    "    if torch.cuda.is_available():\n"
    '        return torch.device("cuda")\n',
)
COUNT_ONLY = (  # a GPU count without a working CUDA is not a device
    "return torch.cuda.is_available() and index < torch.cuda.device_count()",
    "return index < torch.cuda.device_count()",
)
SECOND_GPU = ("index = 0 if device.index is None", "index = 1 if device.index is None")
ANY_KIND = (
    "        return torch.backends.mps.is_available()\n    return False",
    "        return torch.backends.mps.is_available()\n    return True",
)

MOVE_TO = {
    "namedtuple_to_tuple": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.to(device)\n"
        "    if isinstance(obj, dict):\n"
        "        return {key: move_to(value, device) for key, value in obj.items()}\n"
        "    if isinstance(obj, list):\n"
        "        return [move_to(value, device) for value in obj]\n"
        "    if isinstance(obj, tuple):\n"
        "        return tuple(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
    "namedtuple_from_iterable": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.to(device)\n"
        "    if isinstance(obj, dict):\n"
        "        return {key: move_to(value, device) for key, value in obj.items()}\n"
        "    if isinstance(obj, (list, tuple)):\n"
        "        return type(obj)(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
    "converts_numbers": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.to(device)\n"
        "    if isinstance(obj, (int, float)):\n"
        "        return torch.tensor(obj, device=device)\n"
        "    if isinstance(obj, dict):\n"
        "        return {key: move_to(value, device) for key, value in obj.items()}\n"
        "    if isinstance(obj, tuple) and hasattr(obj, '_fields'):\n"
        "        return type(obj)(*(move_to(value, device) for value in obj))\n"
        "    if isinstance(obj, (list, tuple)):\n"
        "        return type(obj)(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
    "hard_coded_cpu": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.cpu()\n"
        "    if isinstance(obj, dict):\n"
        "        return {key: move_to(value, device) for key, value in obj.items()}\n"
        "    if isinstance(obj, tuple) and hasattr(obj, '_fields'):\n"
        "        return type(obj)(*(move_to(value, device) for value in obj))\n"
        "    if isinstance(obj, (list, tuple)):\n"
        "        return type(obj)(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
    "mutates_input": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.to(device)\n"
        "    if isinstance(obj, dict):\n"
        "        for key in obj:\n"
        "            obj[key] = move_to(obj[key], device)\n"
        "        return obj\n"
        "    if isinstance(obj, tuple) and hasattr(obj, '_fields'):\n"
        "        return type(obj)(*(move_to(value, device) for value in obj))\n"
        "    if isinstance(obj, (list, tuple)):\n"
        "        return type(obj)(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
    "fields_only": (
        "    if isinstance(obj, torch.Tensor):\n"
        "        return obj.to(device)\n"
        "    if isinstance(obj, dict):\n"
        "        return {key: move_to(value, device) for key, value in obj.items()}\n"
        "    if hasattr(obj, '_fields'):\n"
        "        return type(obj)(*(move_to(value, device) for value in obj))\n"
        "    if isinstance(obj, (list, tuple)):\n"
        "        return type(obj)(move_to(value, device) for value in obj)\n"
        "    return obj\n"
    ),
}


def mutant(move_to: str | None = None, *replacements: tuple[str, str]) -> dict[str, str]:
    source = SOLUTION
    for old, new in replacements:
        assert old in source, f"the solution no longer contains {old!r}"
        source = source.replace(old, new, 1)
    if move_to is not None:
        source = replace_function(source, "move_to", MOVE_TO[move_to])
    return {FILE: source}


# pick_device's checks and move_to's checks are independent, so to keep this file fast some
# submissions carry one mistake in each.
MUTANTS = {
    "ignores_prefer__hard_coded_cpu": mutant("hard_coded_cpu", IGNORES_PREFER),
    "mps_over_cuda__namedtuple_to_tuple": mutant("namedtuple_to_tuple", MPS_OVER_CUDA),
    "namedtuple_from_iterable": mutant("namedtuple_from_iterable"),
    "converts_numbers": mutant("converts_numbers"),
    "mutates_input": mutant("mutates_input"),
    "count_only__fields_only": mutant("fields_only", COUNT_ONLY),
    "second_gpu__any_kind": mutant(None, SECOND_GPU, ANY_KIND),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_mutants("09", MUTANTS, tmp_path_factory.mktemp("ex09"), "--reveal-hidden")


def checks(results, name: str, prefix: str, device: str | None = None) -> list[dict]:
    found = [
        c
        for c in checks_named(results[name], prefix)
        if c.get("device") != "cuda" and (device is None or c.get("device") == device)
    ]
    assert found, f"no check named {prefix} ({device})"
    return found


def assert_fails(results, name: str, prefix: str, *texts: str, device: str | None = None):
    for check in checks(results, name, prefix, device):
        assert check["outcome"] == "failed", (name, check["name"], check.get("message"))
        for text in texts:
            assert text in check["message"], (name, check["name"], check["message"])


def assert_passes(results, name: str, *prefixes: str, device: str | None = None):
    for prefix in prefixes:
        for check in checks(results, name, prefix, device):
            assert check["outcome"] == "passed", (name, check["name"], check.get("message"))


def test_pick_device_that_ignores_prefer_fails_the_preference_checks(results):
    name = "ignores_prefer__hard_coded_cpu"
    assert_fails(
        results,
        name,
        "test_pick_device_unavailable",
        "expected your code to raise ValueError, but it returned normally",
    )
    assert_fails(
        results,
        name,
        "test_pick_device_prefer_wins",
        "pick_device(\"cpu\") on a machine with 2 CUDA GPU(s) and MPS: expected device(type='cpu')",
    )
    assert_fails(results, name, "test_pick_device_missing_on_other_machines")
    assert_passes(results, name, "test_pick_device_default", "test_pick_device_order")


def test_move_to_that_hard_codes_cpu_fails_on_the_stand_in_with_a_device_message(results):
    name = "ignores_prefer__hard_coded_cpu"
    for prefix in ("test_move_to_nested", "test_move_to_namedtuple", "test_move_to_deep"):
        assert_fails(
            results,
            name,
            prefix,
            "the tensor is on cpu, expected standin",
            "never a fixed .cpu()",
            device="standin",
        )
        assert_passes(results, name, prefix, device="cpu")


def test_pick_device_that_prefers_mps_fails_the_order_check(results):
    name = "mps_over_cuda__namedtuple_to_tuple"
    assert_fails(
        results,
        name,
        "test_pick_device_order",
        "expected device(type='cuda'), got device(type='mps')",
        "the order is CUDA, MPS, CPU",
    )
    assert_fails(results, name, "test_pick_device_cuda_over_mps")
    assert_passes(
        results,
        name,
        "test_pick_device_default",
        "test_pick_device_unavailable",
        "test_pick_device_prefer_wins",
    )


def test_move_to_that_drops_namedtuples_is_told_so(results):
    name = "mps_over_cuda__namedtuple_to_tuple"
    assert_fails(
        results,
        name,
        "test_move_to_namedtuple[",
        "expected the namedtuple Batch('inputs', 'targets', 'info'), got a plain tuple",
        "type(obj)(*moved_items)",
    )
    assert_passes(results, name, "test_move_to_nested", "test_move_to_leaves_untouched")


def test_a_namedtuple_built_from_one_iterable_gets_a_hint(results):
    name = "namedtuple_from_iterable"
    assert_fails(
        results,
        name,
        "test_move_to_namedtuple",
        "raised TypeError",
        "not from one iterable: type(obj)(*moved_items)",
    )
    assert_passes(results, name, "test_move_to_nested", "test_pick_device")


def test_move_to_that_converts_numbers_is_told_to_leave_them(results):
    name = "converts_numbers"
    assert_fails(
        results,
        name,
        "test_move_to_leaves_untouched",
        "expected 3 (int) untouched, got tensor(",
        "Only tensors move",
    )
    assert_passes(results, name, "test_pick_device")


def test_move_to_that_writes_into_its_input_is_told_so(results):
    name = "mutates_input"
    assert_fails(results, name, "test_move_to_input_unchanged", "changed its input")
    # Side effects are checked after every call, so every check that hands it a dict says so.
    assert_fails(results, name, "test_move_to_nested", "changed its input")
    assert_passes(results, name, "test_pick_device")


def test_pick_device_that_trusts_the_gpu_count_alone_is_caught(results):
    name = "count_only__fields_only"
    assert_fails(
        results,
        name,
        "test_pick_device_counted_but_unavailable",
        "torch.cuda.is_available() is False",
        "expected your code to raise ValueError",
    )
    assert_passes(results, name, "test_pick_device_order", "test_pick_device_single_gpu")


def test_move_to_that_takes_any_object_with_fields_for_a_namedtuple_is_caught(results):
    name = "count_only__fields_only"
    assert_fails(
        results,
        name,
        "test_move_to_object_with_fields",
        'move_to({"x": tensor, "settings": settings}, "cpu")',
        "TypeError",
    )
    assert_passes(results, name, "test_move_to_namedtuple", "test_move_to_nested")


def test_pick_device_checking_the_wrong_gpu_or_any_kind_is_caught(results):
    name = "second_gpu__any_kind"
    assert_fails(
        results,
        name,
        "test_pick_device_single_gpu",
        'pick_device("cuda") on a machine with 1 CUDA GPU(s) and no MPS',
        "raised ValueError",
    )
    assert_fails(results, name, "test_pick_device_missing_on_other_machines", '"xpu"')
    assert_passes(results, name, "test_pick_device_order", "test_pick_device_prefer_wins")
