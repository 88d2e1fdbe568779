"""Starting the worker template (workers/template.py) from the grader or a judge, as a
separate `python -I` process: this side never imports worker code, it names the module."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_MODULE = "grader.run.workers.template"


@dataclass
class TemplateProcess:
    """A running template, as seen by whoever started it (the CLI or the pytest plugin)."""

    process: subprocess.Popen
    socket_path: str
    folder: str

    def wait_ready(self) -> None:
        """Until the template listens (it may still be warming up: connections then wait)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "listening":
            rest = self.process.stdout.read() if self.process.poll() is not None else ""
            raise RuntimeError(f"the worker template did not start: {line}{rest}".strip())

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_template(course_root: Path, full_warm: bool = False) -> TemplateProcess:
    """Start a template in the background; call wait_ready() before the first connection.
    `full_warm` also imports torch._dynamo, which torch.optim imports at its first use."""
    folder = tempfile.mkdtemp(prefix="grader-tpl-")
    os.chmod(folder, 0o700)
    socket_path = os.path.join(folder, "workers.sock")
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-m",
            TEMPLATE_MODULE,
            "--socket",
            socket_path,
            "--course",
            str(course_root),
            *(["--full-warm"] if full_warm else []),
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env=_template_env(),
    )
    return TemplateProcess(process=process, socket_path=socket_path, folder=folder)


def _template_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    # The template must never initialise CUDA: with the NVML check, is_available() does not.
    env.update(
        {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}
    )
    return env
