"""Make exercise 10's two splits of the UCI optical digits from scikit-learn's digits.csv.gz.

    python suites/ex10_digits/make_split.py path/to/sklearn/datasets/data/digits.csv.gz

Writes data/digits_train.npz (ships with the course and the learner kit) and
suites/ex10_digits/digits_test.npz (stays with the hidden suite, never in the kit), byte for
byte the same on every run: a stratified split, per digit a torch.randperm from one generator
seeded with SEED, round(0.2 * count) images of each digit to the test split, both splits in
the file's order. Each file holds "images" (uint8, (N, 8, 8), values 0..16) and "labels"
(int64, (N,)). This script is course tooling: `grader release` never ships it.
"""

from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch

SEED = 20260101
TEST_FRACTION = 0.2
ROOT = Path(__file__).resolve().parents[2]
TRAIN_FILE = ROOT / "data" / "digits_train.npz"
TEST_FILE = Path(__file__).resolve().parent / "digits_test.npz"


def read_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's copy: 1,797 rows of 64 pixels then the label, comma-separated."""
    with gzip.open(path, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    return table[:, :64].astype(np.uint8).reshape(-1, 8, 8), table[:, 64]


def test_indices(labels: np.ndarray) -> np.ndarray:
    generator = torch.Generator().manual_seed(SEED)
    chosen = []
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        order = torch.randperm(len(where), generator=generator).numpy()
        chosen.append(where[order[: round(TEST_FRACTION * len(where))]])
    return np.sort(np.concatenate(chosen))


def write_npz(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Like np.savez, but with fixed zip dates, so the bytes never change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in (("images", images), ("labels", labels.astype(np.int64))):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def main(source: str) -> None:
    images, labels = read_digits(Path(source))
    test = np.zeros(len(labels), dtype=bool)
    test[test_indices(labels)] = True
    write_npz(TRAIN_FILE, images[~test], labels[~test])
    write_npz(TEST_FILE, images[test], labels[test])
    print(f"{TRAIN_FILE.relative_to(ROOT)}: {int((~test).sum())} images")
    print(f"{TEST_FILE.relative_to(ROOT)}: {int(test.sum())} images")


if __name__ == "__main__":
    main(sys.argv[1])
