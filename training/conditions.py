"""Where the condition of each training pair comes from: class ids, or captions embedded by the text encoder.

Both sources answer the same three questions, with all randomness from the step's generator `g` so that
a resumed run draws the same:
- `real(idx, g)`: the condition of dataset images idx (their class, or a caption that fits them)
- `for_classes(y, g)`: a condition asking for classes y (for generated images)
- `wrong(idx, shift, g)`: a condition that does NOT fit images idx (negatives for D, as in GAN-INT-CLS)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from aegan.captions import build_bank, buckets, measure_attributes, tertiles
from aegan.data import Dataset, data_dir

from .state import atomic_write_bytes


class ClassConditions:
    def __init__(self, data: Dataset, num_classes: int):
        self.labels = torch.as_tensor(data.labels)
        self.num_classes = num_classes

    def real(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self.labels[idx]

    def for_classes(self, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return y

    def wrong(self, idx: torch.Tensor, shift: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return (self.labels[idx] + shift) % self.num_classes


class TextConditions:
    """Captions from aegan.captions, embedded once (cached on disk) and drawn afresh at every visit."""

    def __init__(self, data: Dataset, num_classes: int, seed: int = 0):
        self.num_classes = num_classes
        self.labels = np.asarray(data.labels)
        self.bank = build_bank(data.name, seed=seed)
        self.embeddings = embed_cached(self.bank.texts)  # [M, 384]
        values = measure_attributes(data.name, data.images)
        self.thresholds = tertiles(values)  # [A, 2]
        self.image_buckets = buckets(values, self.thresholds)  # int8 [N, A]
        # Captions that fit a (class, buckets) combination: each attribute unnamed or named as measured.
        self._fitting: dict[tuple, np.ndarray] = {}
        self._by_class = [np.flatnonzero(self.bank.classes == k) for k in range(num_classes)]

    def fitting(self, label: int, image_buckets: tuple) -> np.ndarray:
        key = (label, image_buckets)
        if key not in self._fitting:
            named = self.bank.attributes
            ok = (self.bank.classes == label) & ((named == 0) | (named == np.asarray(image_buckets))).all(axis=1)
            self._fitting[key] = np.flatnonzero(ok)
        return self._fitting[key]

    def _pick(self, choices: list[np.ndarray], g: torch.Generator) -> torch.Tensor:
        picks = [c[int(torch.randint(len(c), (1,), generator=g))] for c in choices]
        return self.embeddings[torch.as_tensor(picks)]

    def real(self, idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self._pick([self.fitting(int(self.labels[i]), tuple(self.image_buckets[i])) for i in idx.tolist()], g)

    def for_classes(self, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return self._pick([self._by_class[k] for k in y.tolist()], g)

    def wrong(self, idx: torch.Tensor, shift: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        """Half: a caption of another class. Half: the right class with a named attribute flipped."""
        choices = []
        for n, (i, s) in enumerate(zip(idx.tolist(), shift.tolist())):
            label, measured = int(self.labels[i]), self.image_buckets[i]
            if n % 2 == 1 and measured.any():
                flipped = np.where(measured != 0, -measured, 0)  # only attributes that are clearly low/high
                named = self.bank.attributes
                ok = (self.bank.classes == label) & (named == flipped[None]).all(axis=1)
                if ok.any():
                    choices.append(np.flatnonzero(ok))
                    continue
            choices.append(self._by_class[(label + s) % self.num_classes])
        return self._pick(choices, g)


def embed_cached(texts: list[str]) -> torch.Tensor:
    """Embed texts with the frozen encoder, cached in the data folder by a hash of the texts."""
    from safetensors.torch import load_file, save_file

    from aegan.text import load_text_encoder

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = Path(data_dir()) / "cache" / f"captions-{digest}.safetensors"
    if path.exists():
        return load_file(str(path))["embeddings"]
    embeddings = load_text_encoder().encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomically: several torchrun processes may embed at once, and one must never read another's half file.
    atomic_write_bytes(path, lambda tmp: save_file({"embeddings": embeddings.contiguous()}, str(tmp)))
    return embeddings
