"""Regenerate the repair tab's example images: 12 test-split images per dataset, saved as .npz.

    python ui/examples/make_examples.py        # needs the datasets (`make data`); the app does not

Each file holds `images` uint8 [12, 28, 28] (0 = background) and `labels` int64 [12]: the first test
image of every class, then the second one of classes 0 and 1, so every class appears at least once.

`fashion-mnist-map.npz` (the Compare tab's latent map, ui/compare.py) holds the first 100 test images of each
class, in test-split order: `images` uint8 [1000, 28, 28], `labels` int64 [1000].
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from aegan.data import load_dataset  # noqa: E402

PER_DATASET = 12
MAP_PER_CLASS = 100


def pick(labels: np.ndarray, count: int = PER_DATASET) -> list[int]:
    firsts = [int(np.flatnonzero(labels == k)[0]) for k in range(10)]
    seconds = [int(np.flatnonzero(labels == k)[1]) for k in range(count - 10)]
    return firsts + seconds


def main() -> None:
    for name in ("fashion-mnist", "mnist"):
        data = load_dataset(name, "test")
        index = pick(data.labels)
        out = HERE / f"{name}.npz"
        np.savez_compressed(out, images=data.images[index], labels=data.labels[index].astype(np.int64))
        print(f"wrote {out} ({len(index)} images from: {data.source})")
    data = load_dataset("fashion-mnist", "test")
    index = np.sort(np.concatenate([np.flatnonzero(data.labels == k)[:MAP_PER_CLASS] for k in range(10)]))
    out = HERE / "fashion-mnist-map.npz"
    np.savez_compressed(out, images=data.images[index], labels=data.labels[index].astype(np.int64))
    print(f"wrote {out} ({len(index)} images from: {data.source})")


if __name__ == "__main__":
    main()
