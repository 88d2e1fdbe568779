"""Write a submission that hard-codes the CPU: the reference solutions, with tensors made on
a fixed device in a few functions. On a GPU its CUDA cases must fail with a device message;
on a CPU-only machine its meta cases must.

    python bench/make_hardcoded.py OUT_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (module, text in the solution, text that hard-codes the CPU)
EDITS = [
    (
        "ex01_tensors.py",
        "    rows = torch.arange(h, dtype=dtype, device=device)\n    cols = torch.arange(w, dtype=dtype, device=device)",
        "    rows = torch.arange(h, dtype=dtype)  # device forgotten\n    cols = torch.arange(w, dtype=dtype)",
    ),
    (
        "ex02_ops.py",
        "    return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(dim=-2)",
        "    ones = torch.ones(a.shape[-1])  # made on the CPU, whatever a's device\n"
        "    return (a.unsqueeze(-1) * b.unsqueeze(-3) * ones.unsqueeze(-1)).sum(dim=-2)",
    ),
    (
        "ex09_devices.py",
        "        return obj.to(device)",
        "        return obj.cpu()  # a fixed device",
    ),
    (
        "ex10_digits.py",
        "    return Net(64, hidden, 10).to(device)",
        "    return Net(64, hidden, 10)  # left on the CPU",
    ),
]


def main(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "solutions", out / "exercises")
    for module, old, new in EDITS:
        path = out / "exercises" / module
        text = path.read_text()
        if old not in text:
            raise SystemExit(f"{module}: the solution changed; update bench/make_hardcoded.py")
        path.write_text(text.replace(old, new, 1))
    print(f"wrote {out}: CPU hard-coded in " + ", ".join(m for m, _, _ in EDITS))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
