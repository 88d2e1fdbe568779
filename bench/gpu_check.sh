#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and no network: every suite with its CUDA
# cases enabled, against solutions/ (grader verify: 100 % and stubs 0) and against a
# submission that hard-codes the CPU (bench/make_hardcoded.py). Writes logs to $OUT.
#   OUT=gpu-out bash bench/gpu_check.sh
# Wheels of missing packages (pytest-json-report, pytest-metadata) may wait in .whl/.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1

{
    nvidia-smi -L
    $PY -c "import torch; print('torch', torch.__version__, 'cuda available:', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
} 2>&1 | tee "$OUT/machine.txt"

# This checkout, importable without installing it (nothing can be fetched there).
SITE=$($PY -c "import site; print(site.getsitepackages()[0])")
if [ -d .whl ]; then $PY -m pip install -q --no-index --no-deps .whl/*.whl; fi
$PY -c "import grader" 2>/dev/null || echo "$PWD" > "$SITE/torch_course_grader_checkout.pth"

step() { local name=$1; shift; echo "== $name: $*"; "$@" > "$OUT/$name.txt" 2>&1; echo "exit $?" | tee -a "$OUT/$name.txt"; tail -n 25 "$OUT/$name.txt"; }

step doctor $PY -m grader doctor
step verify $PY -m grader verify
step cuda-cases $PY -m grader check --device cuda --hidden --target solutions
$PY bench/make_hardcoded.py "$OUT/hardcoded-cpu" > /dev/null
step hardcoded $PY -m grader grade "$OUT/hardcoded-cpu" --out "$OUT/hardcoded-report" -e 01 -e 02 -e 09 -e 10 --reveal-hidden
$PY - "$OUT/hardcoded-report/results.json" <<'PY' | tee "$OUT/hardcoded-summary.txt"
import json, sys
data = json.load(open(sys.argv[1]))
for device in ("cpu", "standin", "cuda"):
    cases = [c for e in data["exercises"] for c in e["checks"] if c["device"] == device]
    failed = [c for c in cases if c["outcome"] == "failed"]
    print(f"{device}: {len(cases)} cases, {len(failed)} failed, {sum(c['kind'] == 'device' for c in failed)} with a device message")
for c in [c for e in data["exercises"] for c in e["checks"] if c["device"] == "cuda" and c["outcome"] == "failed"][:3]:
    print("-", c["title"], "[cuda]:", c["message"].splitlines()[0][:300])
PY
