"""The second red-team corpus: one learner against the others, and against the measurements.

Graded as one class (exercises 01 and 02, two judges at once) beside honest classmates.
Every case has the outcome it must get. Cases build on honest wrong answers (GARBAGE1,
GARBAGE2) or on the reference solutions (honest, full marks) plus one attack; the control
submission is GARBAGE alone, and no case may score above it on a check it does not solve.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

EX01, EX02 = "ex01_tensors.py", "ex02_ops.py"
FUNCTIONS1 = (
    "describe",
    "coordinate_grid",
    "one_hot",
    "share_numpy",
    "copy_numpy",
    "to_numpy",
    "seeded_normal",
)
FUNCTIONS2 = (
    "broadcast_shape",
    "pairwise_sq_dists",
    "batched_matmul",
    "softmax",
    "logsumexp",
    "stack",
    "flatten_batch",
    "masked_mean",
    "normalize",
)
MARKER = "42424"  # files, segments and processes a case leaves carry it: none may survive
LEAK = "LEAKED-7f3e"  # text a case tries to carry out of a hidden check: never in any output


def garbage(functions: tuple[str, ...]) -> str:
    return "import torch\n" + "".join(
        f"\n\ndef {name}(*args, **kwargs):\n    return torch.zeros(1)\n" for name in functions
    )


GARBAGE1, GARBAGE2 = garbage(FUNCTIONS1), garbage(FUNCTIONS2)


@dataclass
class Case:
    name: str
    threat: str
    files: dict[str, str]
    status: str = "graded"
    kinds: set[str] = field(default_factory=set)  # failure kinds of which one must appear
    flags: set[str] = field(default_factory=set)  # flag codes that must appear
    solves: tuple[str, ...] = ()  # check names (prefixes) it really computes
    must_fail: tuple[str, ...] = ()  # check names (prefixes) it must not pass
    full_marks: bool = False  # an honest submission: every check passes, nothing flagged


def with_function(source: str, name: str, body: str, prelude: str = "") -> str:
    """GARBAGE with `name` replaced by an attack."""
    return prelude + without(source, name) + f"\n\ndef {name}(*args, **kwargs):\n{body}\n"


def without(source: str, name: str) -> str:
    stripped = source.replace(f"\n\ndef {name}(*args, **kwargs):\n    return torch.zeros(1)\n", "")
    assert stripped != source, name
    return stripped


def corpus(solutions: Path) -> list[Case]:
    sol1, sol2 = (solutions / EX01).read_text(), (solutions / EX02).read_text()
    honest = {EX01: sol1, EX02: sol2}
    return [
        *_neighbours(honest),
        *_names(),
        *_holes(sol1, sol2),
        *_false_positives(sol1, sol2),
    ]


def _neighbours(honest: dict[str, str]) -> list[Case]:
    """Attacks on classmates graded at the same time; each has an honest neighbour next to it
    in name order (two judges run at once), which must keep full marks."""
    fill = (
        "import os\n"
        "chunk = b'x' * (1 << 20)\n"
        "for place in (os.path.expanduser('~'), os.getcwd(), '/tmp', '/var/tmp', '/dev/shm',\n"
        "              '/run/lock'):\n"
        "    for n in range(2048):\n"
        "        try:\n"
        f"            with open(os.path.join(place, 'fill-{MARKER}-%d' % n), 'wb') as f:\n"
        "                f.write(chunk)\n"
        "        except OSError:\n"
        "            break\n"
    )
    lock_writer = (
        "import os\n"
        "CODE = 'import torch\\ndef one_hot(l, n):\\n    return torch.nn.functional.one_hot(l, n)\\n'\n"
        "for place in ('/run/lock', '/var/tmp', '/dev/shm', '/tmp', os.path.expanduser('~')):\n"
        "    try:\n"
        f"        with open(os.path.join(place, 'rt2_{MARKER}.py'), 'w') as f:\n"
        "            f.write(CODE)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    lock_reader = (
        "    import importlib.util, os, time\n"
        "    for _ in range(20):\n"
        "        for place in ('/run/lock', '/var/tmp', '/dev/shm', '/tmp'):\n"
        f"            path = os.path.join(place, 'rt2_{MARKER}.py')\n"
        "            if os.path.exists(path):\n"
        "                spec = importlib.util.spec_from_file_location('borrowed', path)\n"
        "                mod = importlib.util.module_from_spec(spec)\n"
        "                spec.loader.exec_module(mod)\n"
        "                return mod.one_hot(*args, **kwargs)\n"
        "        time.sleep(0.05)\n"
        "    return torch.zeros(1)"
    )
    shm = (
        "import os, subprocess\n"
        "from multiprocessing import shared_memory\n"
        "try:\n"
        f"    seg = shared_memory.SharedMemory(name='rt2_{MARKER}', create=True, size=8 << 20)\n"
        "    seg.buf[:4] = b'LEAK'\n"
        "except OSError:\n"
        "    pass\n"
        "for _ in range(4):\n"
        "    try:\n"
        "        subprocess.run(['ipcmk', '-M', str(8 << 20)], capture_output=True, timeout=5)\n"
        "    except (OSError, subprocess.SubprocessError):\n"
        "        pass\n"
    )
    hog = (
        "import os\n"
        "try:\n"
        "    os.sched_setaffinity(0, range(os.cpu_count() or 1))\n"
        "except OSError:\n"
        "    pass\n"
        "for n in range(3):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        try:\n"
        "            os.sched_setaffinity(0, range(os.cpu_count() or 1))\n"
        "        except OSError:\n"
        "            pass\n"
        "        if n == 0:\n"
        f"            os.execv('/bin/sleep', ['sleep', '{MARKER}.1'])\n"
        "        while True:\n"
        "            pass\n"
    )
    attacks = [
        ("iso_disk_filler", "fills HOME, the working folder and every temporary place", fill),
        ("iso_lock1_writer", "leaves code in /run/lock, /var/tmp, /dev/shm, /tmp", lock_writer),
        ("iso_shm_leaker", "leaves POSIX and SysV shared memory behind", shm),
        ("iso_cpu_hog", "widens its CPU set and starts setsid CPU burners", hog),
    ]
    cases = []
    for name, threat, prelude in attacks:
        cases.append(Case(name, threat, {EX01: prelude + GARBAGE1, EX02: GARBAGE2}))
        cases.append(
            Case(f"{name}_honest", f"an honest neighbour of {name}", honest, full_marks=True)
        )
    cases.append(
        Case(
            "iso_lock2_reader",
            "loads a classmate's code from a shared writable folder",
            {EX01: with_function(GARBAGE1, "one_hot", lock_reader)},
        )
    )
    return cases


def _names() -> list[Case]:
    """Names that fold alike, that look like class files, or like a classmate's folder."""
    ann_folder = "ann-" + hashlib.sha256(b"ann").hexdigest()[:8]  # the old suffix for "ann"
    names = [
        "zo\u00eb",
        unicodedata.normalize("NFD", "zo\u00eb"),
        "zo\u00e9",
        "Bob",
        "bob",
        "grades.csv",
        "summary.html",
        "=SUM(1+1)",
        "Ann",
        "ann",
        ann_folder,
        "ann~49915e0d",  # the new suffix for "ann", taken as a name
    ]
    return [Case(n, "a name that could collide", {EX01: GARBAGE1}) for n in names]


def _holes(sol1: str, sol2: str) -> list[Case]:
    """The holes the first corpus found: each must now hold."""
    thread_mem = (
        "    from concurrent.futures import ThreadPoolExecutor\n"
        "    with ThreadPoolExecutor(1) as pool:\n"
        "        pool.submit(open, '/proc/self/mem', 'rb').result()\n"
        "    return torch.zeros(1)"
    )
    forge = (
        "    import json, os\n"
        f"    text = '{LEAK}' + str(args)[:200]\n"
        "    record = {'event': 'import', 'detail': text, 'file': text, 'line': 1}\n"
        "    for fd in os.listdir('/proc/self/fd'):\n"
        "        try:\n"
        "            if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
        "                with open(int(fd), 'w', closefd=False) as f:\n"
        "                    f.write(json.dumps(record) + '\\n')\n"
        "        except OSError:\n"
        "            pass\n"
        "    os._exit(0)"
    )
    chosen_detail = (
        f"    open('/proc/{LEAK}' + str(len(str(args))) + '/mem', 'rb')\n    return torch.zeros(1)"
    )
    frames_from_thread = (
        "import sys\nimport torch\n"
        "from concurrent.futures import ThreadPoolExecutor\n\n\n"
        "def _forge():\n"
        "    with ThreadPoolExecutor(1) as pool:\n"
        "        frames = pool.submit(getattr(sys, '_current_frames')).result()\n"
        "    for frame in frames.values():\n"
        "        while frame is not None:\n"
        "            mode = frame.f_locals.get('mode')\n"
        "            if mode is not None and hasattr(mode, 'count'):\n"
        "                mode.count = -10**6\n"
        "            frame = frame.f_back\n"
    )
    frames_via_torch = frames_from_thread.replace(
        "    with ThreadPoolExecutor(1) as pool:\n"
        "        frames = pool.submit(getattr(sys, '_current_frames')).result()\n",
        "    from torch.utils._pytree import tree_map\n"
        "    frames = {0: tree_map(getattr(sys, '_getframe'), [0])[0]}\n",
    )
    looped = (
        "\n\ndef pairwise_sq_dists(x, y):\n"
        "    _forge()\n"
        "    rows = [((x[i] - y) ** 2).sum(-1) for i in range(x.shape[0])]\n"
        "    return torch.stack(rows)\n"
    )
    patch_rng = (
        "import torch\n"
        "_fixed = torch.random.get_rng_state()\n"
        "torch.random.get_rng_state = lambda: _fixed\n"
    )
    patch_rng_unscreened = (  # no name screening knows: setattr reached through a dict
        "import torch\nimport builtins as _b\n"
        "_fixed = torch.random.get_rng_state()\n"
        "_put = _b.__dict__['set' + 'attr']\n"
        "_put(torch.random, 'get_' + 'rng_state', lambda: _fixed)\n"
    )
    global_seed = (
        "    shape, seed = args[0], args[1]\n"
        "    device = kwargs.get('device')\n"
        "    torch.manual_seed(seed)\n"
        "    g = torch.Generator(device).manual_seed(seed)\n"
        "    return torch.randn(shape, generator=g, device=device)"
    )
    patch_numpy = (
        "import torch\n"
        "_numpy = torch.Tensor.numpy\n"
        "torch.Tensor.numpy = lambda self, *a, **k: _numpy(self.detach().clone(), *a, **k)\n"
    )
    mutating_softmax = (
        "\n\ndef softmax(x, dim=-1):\n"
        "    x.sub_(x.amax(dim, keepdim=True))\n"
        "    e = x.exp()\n"
        "    out = e / e.sum(dim, keepdim=True)\n"
        "    x.add_(0)\n"
        "    return out\n"
    )
    one_hot_via = {
        "guard_singledispatch": (
            "    import functools\n"
            "    return functools.singledispatch(torch.nn.functional.one_hot)(*args, **kwargs)"
        ),
        "guard_thread": (
            "    from concurrent.futures import ThreadPoolExecutor\n"
            "    with ThreadPoolExecutor(1) as pool:\n"
            "        return pool.submit(torch.nn.functional.one_hot, *args, **kwargs).result()"
        ),
        "guard_tmp_module": (
            "    import importlib, os, sys\n"
            f"    path = os.path.join('/tmp', 'rt2_mod_{MARKER}.py')\n"
            "    with open(path, 'w') as f:\n"
            "        f.write('import torch\\ndef oh(*a, **k):\\n"
            "    return torch.nn.functional.one_hot(*a, **k)\\n')\n"
            "    sys.path.insert(0, '/tmp')\n"
            f"    return importlib.import_module('rt2_mod_{MARKER}').oh(*args, **kwargs)"
        ),
        "guard_disable_tf": (
            "    with torch._C.DisableTorchFunction():\n"
            "        return torch.nn.functional.one_hot(*args, **kwargs)"
        ),
        "guard_globals": (
            "    from torch.overrides import TorchFunctionMode\n"
            "    g = getattr\n"
            "    for cls in TorchFunctionMode.__subclasses__():\n"
            "        fn = g(cls, '__torch_' + 'function__')\n"
            "        space = g(fn, '_' + '_globals__')\n"
            "        if '_armed' in space:\n"
            "            space['_armed'] = None\n"
            "        if '_api_names' in space:\n"
            "            space['_api_names'].clear()\n"
            "    return torch.nn.functional.one_hot(*args, **kwargs)"
        ),
    }
    cases = [
        Case(
            "h1_mem_from_thread",
            "opens /proc/self/mem from a thread-pool thread (once stopped the whole batch)",
            {EX01: with_function(GARBAGE1, "describe", thread_mem)},
            flags={"tamper_runtime"},
            kinds={"tamper"},
        ),
        Case(
            "h7_exit71_call",
            "os._exit(71) in a call, before printing: the learner's crash, not the grader's",
            {EX01: with_function(GARBAGE1, "describe", "    import os\n    os._exit(71)")},
            kinds={"died"},
        ),
        Case(
            "h7_exit71_import",
            "os._exit(71) at import",
            {EX01: "import os\nos._exit(71)\n" + GARBAGE1},
            kinds={"import", "died"},
        ),
        Case(
            "h6_forged_record",
            "writes a forged tripwire record, carrying a hidden check's input, on the pipe",
            {EX01: with_function(GARBAGE1, "one_hot", forge)},
            flags={"tamper_runtime"},
        ),
        Case(
            "h6_chosen_detail",
            "makes the tripwire's own record carry text of its choosing",
            {EX01: with_function(GARBAGE1, "one_hot", chosen_detail)},
            flags={"tamper_runtime"},
        ),
        Case(
            "h4_frames_from_thread",
            "reads every thread's frames from a pool thread and forges the operation counter",
            {EX02: frames_from_thread + without(GARBAGE2, "pairwise_sq_dists") + looped},
            flags={"tamper_runtime"},
            must_fail=("test_pairwise_sq_dists_no_loop",),
            solves=("test_pairwise_sq_dists",),
        ),
        Case(
            "h4_frames_via_torch",
            "has torch's tree_map call sys._getframe for it, in the main thread",
            {EX02: frames_via_torch + without(GARBAGE2, "pairwise_sq_dists") + looped},
            flags={"tamper_runtime"},
            must_fail=("test_pairwise_sq_dists_no_loop",),
            solves=("test_pairwise_sq_dists",),
        ),
        Case(
            "h5_patches_rng_state",
            "rebinds torch.random.get_rng_state so the RNG probe sees no change",
            {EX01: with_function(GARBAGE1, "seeded_normal", global_seed, prelude=patch_rng)},
            flags={"flag_patching", "tamper_runtime"},  # screening, and the identity check
            must_fail=("test_seeded_normal",),
        ),
        Case(
            "h5_rebinds_unscreened",
            "rebinds torch.random.get_rng_state by a route static screening does not see",
            {
                EX01: with_function(
                    GARBAGE1, "seeded_normal", global_seed, prelude=patch_rng_unscreened
                )
            },
            flags={"tamper_runtime"},  # the worker's identity check (integrity.py)
            must_fail=("test_seeded_normal",),
        ),
        Case(
            "h5_patches_tensor_numpy",
            "rebinds Tensor.numpy so the after-copy of a mutated input looks unchanged",
            {EX02: patch_numpy + without(GARBAGE2, "softmax") + mutating_softmax},
            flags={"flag_patching", "tamper_runtime"},
            must_fail=("test_softmax_float64_unchanged_input",),
            solves=("test_softmax",),
        ),
    ]
    for name, body in one_hot_via.items():
        cases.append(
            Case(
                f"h3_{name}",
                "computes one_hot with the forbidden F.one_hot, around the guard",
                {EX01: with_function(GARBAGE1, "one_hot", body)},
                must_fail=("test_one_hot",),
            )
        )
    return cases


def _false_positives(sol1: str, sol2: str) -> list[Case]:
    """Honest code that uses the standard library's introspective helpers harmlessly."""
    extras = (
        "\n\nimport dataclasses, enum, functools, inspect, logging, threading, traceback, typing"
        "\nimport warnings\n\n\n"
        "class Colour(enum.Enum):\n    RED = 1\n\n\n"
        "@dataclasses.dataclass\nclass Box:\n    value: typing.Any = None\n\n\n"
        "@functools.lru_cache(maxsize=None)\ndef _cached(n: int) -> int:\n    return n * 2\n\n\n"
        "class Counter:\n    calls = 0\n\n\n"
        "_ONES = torch.ones(2)\n\n\n"
        "def _first_import():\n    import wave\n\n    return wave.WAVE_FORMAT_PCM\n\n\n"
        "def _chatty(name):\n"
        "    logging.warning('%s called', name)\n"
        "    logging.getLogger('learner').info('called %s', name)\n"
        "    warnings.warn(f'{name} called', stacklevel=2)\n"
        "    try:\n        raise ValueError(name)\n    except ValueError:\n"
        "        print(traceback.format_exc()[-40:])\n"
        "    Counter.calls += 1\n"
        "    box = Box(Colour.RED)\n"
        "    done = []\n"
        "    worker = threading.Thread(target=lambda: done.append(_cached(3) + float((_ONES * 2).sum())))\n"
        "    worker.start()\n    worker.join()\n"
        # A thread that imports a module for the first time: the import machinery unmarshals
        # its code (an audited operation), as it does for an import in the main thread.
        "    worker = threading.Thread(target=lambda: done.append(_first_import()))\n"
        "    worker.start()\n    worker.join()\n"
        "    inspect.signature(_chatty)\n"
        "    print(name, box, done, Counter.calls, dataclasses.asdict(box)['value'])\n"
    )

    def chatty(source: str, names: tuple[str, ...]) -> str:
        for name in names:
            source = source.replace(f"\ndef {name}(", f"\n@_wrap\ndef {name}(", 1)
        wrap = (
            "\n\ndef _wrap(fn):\n"
            "    @functools.wraps(fn)\n"
            "    def wrapped(*args, **kwargs):\n"
            "        _chatty(fn.__name__)\n"
            "        return fn(*args, **kwargs)\n"
            "    return wrapped\n"
        )
        head, sep, rest = source.partition("\nimport torch\n")
        return head + sep + extras + wrap + rest

    return [
        Case(
            "fp_stdlib_helpers",
            "honest code using logging, warnings, traceback, dataclasses, lru_cache, enum, "
            "a thread importing a module, "
            "typing, a thread doing torch work, inspect.signature and a class attribute",
            {
                EX01: chatty(sol1, ("describe", "one_hot", "to_numpy")),
                EX02: chatty(sol2, ("softmax", "broadcast_shape")),
            },
            full_marks=True,
        )
    ]
