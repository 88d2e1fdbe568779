"""The red-team corpus: hostile and broken submissions, each with the outcome it must get.

Every case is a submission for exercise 01 built on honest wrong answers (GARBAGE: every
function returns a useless tensor), plus one attack. The control submission is GARBAGE
alone: no case may score above it on any check, except where `solves` says the attack
really computes an answer (by bypassing a rule, which must then be flagged).
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

EX01 = "ex01_tensors.py"
FUNCTIONS = (
    "describe",
    "coordinate_grid",
    "one_hot",
    "share_numpy",
    "copy_numpy",
    "to_numpy",
    "seeded_normal",
)
CANARY = "hidden-suite-canary-5d1f0b7e"
MARKER = "31337"  # processes a case starts carry "sleep 31337.<n>": none may outlive the run
HOST_MARKER = "/tmp/redteam-was-here"  # files a case tries to write outside its workspace

GARBAGE = "import torch\n" + "".join(
    f"\n\ndef {name}(*args, **kwargs):\n    return torch.zeros(1)\n" for name in FUNCTIONS
)


def with_function(name: str, body: str, prelude: str = "") -> str:
    """GARBAGE with `name` replaced by an attack."""
    lines = GARBAGE.replace(f"\n\ndef {name}(*args, **kwargs):\n    return torch.zeros(1)\n", "")
    return prelude + lines + f"\n\ndef {name}(*args, **kwargs):\n{body}\n"


@dataclass
class Case:
    name: str
    threat: str
    files: dict[str, str] = field(default_factory=dict)
    build: Callable[[Path], None] | None = None  # for zips and links
    status: str = "graded"
    kinds: set[str] = field(default_factory=set)  # failure kinds that must appear
    flags: set[str] = field(default_factory=set)  # screening flags that must appear
    findings: set[str] = field(default_factory=set)  # intake findings that must appear
    solves: set[str] = field(default_factory=set)  # functions the attack really computes


def case(name: str, threat: str, source: str | None = None, **kwargs) -> Case:
    files = kwargs.pop("files", None) or {EX01: source}
    return Case(name, threat, files=files, **kwargs)


def _zip(
    entries: dict[str, bytes | str], links: dict[str, str] | None = None, deflate: bool = False
):
    def build(path: Path) -> None:
        mode = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        with zipfile.ZipFile(path.with_suffix(".zip"), "w", compression=mode) as archive:
            for name, data in entries.items():
                archive.writestr(name, data)
            for name, target in (links or {}).items():
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)

    return build


def _link_to(target: Path):
    def build(path: Path) -> None:
        path.mkdir()
        (path / EX01).symlink_to(target)

    return build


def corpus(course_root: Path, listener_port: int) -> list[Case]:
    """The cases; `listener_port` is a TCP port on this machine's loopback that must hear nothing."""
    hidden_suite = course_root / "suites" / "ex01_tensors" / "test_hidden.py"
    sleeper = (
        "    import os\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['sleep', '{MARKER}.{{n}}'])\n"
        "        os._exit(0)\n"
    )
    return [
        case(
            "import_loop",
            "infinite loop at import",
            "while True:\n    pass\n" + GARBAGE,
            kinds={"import"},
        ),
        case(
            "function_loop",
            "infinite loop inside a function",
            with_function("describe", "    while True:\n        pass"),
            kinds={"timeout"},
        ),
        case(
            "sleep_forever",
            "time.sleep forever",
            with_function("coordinate_grid", "    import time\n    time.sleep(10**6)"),
            kinds={"timeout"},
        ),
        case(
            "memory_bomb",
            "asking for far more memory than allowed at once",
            with_function("describe", "    hog = bytearray(64 << 30)\n    return len(hog)"),
            kinds={"raised", "died"},
        ),
        case(
            "memory_creep",
            "filling memory page by page",
            with_function(
                "describe", "    hog = []\n    while True:\n        hog.append(b'x' * (1 << 26))"
            ),
            kinds={"raised", "died", "timeout"},
        ),
        case(
            "tensor_memory_bomb",
            "one huge tensor",
            with_function("describe", "    import torch\n    return torch.ones(1 << 40)"),
            kinds={"raised", "died"},
        ),
        case(
            "fork_bomb",
            "a fork bomb",
            with_function("describe", "    import os\n    while True:\n        os.fork()"),
            kinds={"raised", "timeout", "died"},
            flags={"flag_processes"},
        ),
        case(
            "setsid_grandchild",
            "a grandchild in its own session that outlives its parent",
            with_function("describe", sleeper.format(n=1) + "    import time\n    time.sleep(60)"),
            kinds={"timeout"},
            flags={"flag_processes"},
        ),
        case(
            "segfault",
            "a segfault through ctypes",
            with_function("describe", "    import ctypes\n    ctypes.string_at(0)"),
            kinds={"died"},
            flags={"flag_native"},
        ),
        case(
            "sys_exit",
            "sys.exit(0) in a function",
            with_function("describe", "    import sys\n    sys.exit(0)"),
            kinds={"raised"},
        ),
        case(
            "os_exit_import",
            "os._exit(0) at import",
            "import os\nos._exit(0)\n" + GARBAGE,
            kinds={"import"},
            flags={"flag_exit"},
        ),
        case(
            "os_exit_function",
            "os._exit(0) in a function",
            with_function("describe", "    import os\n    os._exit(0)"),
            kinds={"died"},
            flags={"flag_exit"},
        ),
        case(
            "kill_parent",
            "os.kill(os.getppid(), SIGKILL)",
            with_function(
                "describe",
                "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1",
            ),
            flags={"flag_processes"},
        ),
        case(
            "kill_own_group",
            "killing its own process group",
            with_function("describe", "    import os, signal\n    os.killpg(0, signal.SIGKILL)"),
            kinds={"died"},
            flags={"flag_processes"},
        ),
        case(
            "kill_everyone",
            "kill(-1): every process it may signal",
            with_function("describe", "    import os, signal\n    os.kill(-1, signal.SIGKILL)"),
            kinds={"raised", "died"},
            flags={"flag_processes"},
        ),
        case(
            "forge_reports",
            "writing forged json reports and results files",
            "import glob, json, os\n"
            "FAKE = {'tests': [], 'summary': {'passed': 999}, 'score': 100}\n"
            "for pattern in ('report.json', 'results.json', '../run/report.json', '../run/collected.json',\n"
            "                '/tmp/grader-*/*/run/report.json', '/tmp/**/results.json'):\n"
            "    for target in glob.glob(pattern, recursive=True) or [pattern]:\n"
            "        try:\n"
            "            with open(target, 'w') as handle:\n"
            "                json.dump(FAKE, handle)\n"
            "        except OSError:\n"
            "            pass\n" + GARBAGE,
        ),
        case(
            "atexit_hook",
            "an atexit hook",
            'import atexit\natexit.register(lambda: print(\'{"outcome": "passed"}\'))\n' + GARBAGE,
            flags={"flag_atexit"},
        ),
        case(
            "patch_comparisons",
            "monkeypatching torch.allclose, torch.testing.assert_close, Tensor.__eq__",
            "import torch\nimport torch.testing\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.equal = lambda *a, **k: True\n"
            "torch.testing.assert_close = lambda *a, **k: None\n"
            "torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)\n"
            + GARBAGE,
            flags={"flag_patching"},
        ),
        case(
            "tensor_subclass",
            "returning a Tensor subclass that claims equality",
            with_function(
                "describe",
                "    import torch\n"
                "    class Liar(torch.Tensor):\n"
                "        def __eq__(self, other):\n"
                "            return True\n"
                "        @classmethod\n"
                "        def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
                "            return True\n"
                "    return torch.zeros(2, 3).as_subclass(Liar)",
            ),
            kinds={"wrong"},
        ),
        case(
            "always_equal",
            "returning an object whose __eq__ is always True",
            with_function(
                "coordinate_grid",
                "    class Equal:\n        def __eq__(self, other):\n            return True\n"
                "        __hash__ = object.__hash__\n    return Equal()",
            ),
            kinds={"wrong"},
        ),
        case(
            "gc_walk",
            "walking gc for pytest objects or expected values",
            with_function(
                "coordinate_grid",
                "    import gc, torch\n"
                "    h, w = args[0], args[1]\n"
                "    for obj in gc.get_objects():\n"
                "        if type(obj).__module__.startswith(('_pytest', 'pytest')):\n"
                "            print('found pytest', type(obj))\n"
                "        if isinstance(obj, torch.Tensor) and tuple(obj.shape) == (h, w, 2):\n"
                "            return obj\n"
                "    return torch.zeros(1)",
            ),
            flags={"flag_introspection"},
        ),
        case(
            "frame_walk",
            "walking frames for expected values",
            with_function(
                "describe",
                "    import sys\n    frame = sys._getframe(1)\n    seen = {}\n"
                "    while frame is not None:\n"
                "        for key, value in frame.f_locals.items():\n"
                "            if 'expect' in key:\n                return value\n"
                "        frame = frame.f_back\n    return seen",
            ),
            flags={"flag_introspection"},
        ),
        case(
            "ships_conftest",
            "a conftest.py that forces every check to pass",
            files={
                f"exercises/{EX01}": GARBAGE,
                "exercises/conftest.py": _FORCE_PASS,
                "conftest.py": _FORCE_PASS,
            },
            findings={"ignored_files"},
        ),
        case(
            "ships_pytest_ini",
            "a pytest.ini that disables the grader's plugin",
            files={
                EX01: GARBAGE,
                "pytest.ini": "[pytest]\naddopts = -p no:grader.run.judge.plugin -p no:jsonreport\n",
                "setup.cfg": "[tool:pytest]\naddopts = --noconftest\n",
            },
            findings={"ignored_files"},
        ),
        case(
            "ships_sitecustomize",
            "sitecustomize.py and a .pth file",
            files={
                EX01: GARBAGE,
                "sitecustomize.py": "import builtins\nbuiltins.print = None\n",
                "evil.pth": "import os; os._exit(0)\n",
            },
            findings={"ignored_files"},
        ),
        case(
            "prints_megabytes",
            "printing megabytes",
            with_function(
                "describe",
                "    for _ in range(50):\n        print('spam ' * 100_000)\n    return 1",
            ),
        ),
        case(
            "reads_suites",
            "reading and printing the hidden suites and the solutions",
            with_function(
                "describe",
                "    import glob, os\n"
                f"    paths = [{str(hidden_suite)!r}, {str(course_root / 'solutions' / EX01)!r}]\n"
                f"    paths += glob.glob({str(course_root.parent) + '/*/suites/*/test_hidden.py'!r})\n"
                "    paths += glob.glob('/tmp/*/suites/*/test_hidden.py') + glob.glob('/root/*/*/test_hidden.py')\n"
                "    for path in paths:\n"
                "        try:\n"
                "            print(open(path).read())\n"
                "        except OSError as exc:\n"
                "            print('no', path, exc)\n"
                "    raise ValueError(open(paths[0]).read())",
            ),
        ),
        case(
            "reads_proc",
            "reading other processes' command lines and environments",
            with_function(
                "describe",
                "    import os\n"
                "    for pid in os.listdir('/proc'):\n"
                "        for part in ('cmdline', 'environ'):\n"
                "            try:\n"
                "                print(pid, open(f'/proc/{pid}/{part}', 'rb').read()[:300])\n"
                "            except OSError:\n"
                "                pass\n"
                "    return 1",
            ),
        ),
        case(
            "writes_outside",
            "writing outside the workspace",
            with_function(
                "describe",
                "    import os\n"
                f"    for target in ({HOST_MARKER!r}, {str(course_root / 'redteam-was-here')!r},\n"
                "                   os.path.expanduser('~root/redteam-was-here'), '/var/tmp/redteam-was-here',\n"
                "                   os.path.join(os.path.dirname(__file__), 'redteam-was-here')):\n"
                "        try:\n"
                "            open(target, 'w').write('pwned')\n"
                "        except OSError as exc:\n"
                "            print('refused', target, exc)\n"
                "    return 1",
            ),
        ),
        case(
            "opens_socket",
            "opening a network connection",
            with_function(
                "describe",
                "    import socket\n"
                f"    for host, port in (('127.0.0.1', {listener_port}), ('1.1.1.1', 53)):\n"
                "        try:\n"
                "            socket.create_connection((host, port), timeout=1).sendall(b'pwned')\n"
                "            print('connected', host)\n"
                "        except OSError as exc:\n"
                "            print('no network', host, exc)\n"
                "    return 1",
            ),
            flags={"flag_network"},
        ),
        case(
            "guard_bypass",
            "switching off the forbidden-call guard to use F.one_hot",
            with_function(
                "one_hot",
                "    import torch\n    import torch.nn.functional as F\n"
                "    with torch._C.DisableTorchFunction():\n        return F.one_hot(args[0], args[1])",
            ),
            flags={"flag_guard"},
            solves={"one_hot"},
        ),
        case(
            "zip_bomb",
            "a zip bomb",
            build=_zip({f"bomb/{EX01}": "#" * (300 << 20)}, deflate=True),
            status="rejected",
            findings={"unsafe_zip_entry"},  # refused by its ratio, before anything is inflated
        ),
        case(
            "zip_slip",
            "a zip-slip archive",
            build=_zip(
                {
                    "../../../tmp/redteam-was-here": "pwned",
                    "/tmp/redteam-was-here": "pwned",
                    f"ok/{EX01}": GARBAGE,
                }
            ),
            findings={"unsafe_zip_entry"},
        ),
        case(
            "zip_symlink",
            "a zip holding a symbolic link to a suite file",
            build=_zip({f"sub/{EX01}": GARBAGE}, links={"sub/ex02_ops.py": str(hidden_suite)}),
            findings={"unsafe_zip_entry"},
        ),
        case(
            "symlink_to_suite",
            "a folder whose module is a symlink to a hidden suite file",
            build=_link_to(hidden_suite),
            status="rejected",
            findings={"symlink"},
        ),
    ]


_FORCE_PASS = (
    "import pytest\n"
    "@pytest.hookimpl(hookwrapper=True)\n"
    "def pytest_runtest_makereport(item, call):\n"
    "    outcome = yield\n"
    "    outcome.get_result().outcome = 'passed'\n"
)
