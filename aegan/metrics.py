"""Quality measured, not eyeballed: a per-dataset classifier and the figures built on its features.

- class accuracy: does the classifier see the class the model was asked for?
- Frechet distance between feature distributions (FID's formula, in this classifier's feature space)
- precision / recall (Kynkaenniemi et al. 2019, k-nearest-neighbour manifolds in feature space)
- per-class diversity: mean pairwise feature distance within a class (and `diversity`: over all images)
- PSNR of reconstructions
Each is computed the same way for held-out real images, so every figure comes with its ceiling.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from .errors import CheckpointError

CLASSIFIERS_DIR = Path(__file__).resolve().parents[1] / "checkpoints" / "classifiers"


class Classifier(nn.Module, PyTorchModelHubMixin, library_name="aegan", tags=["aegan", "classifier"]):
    """A small CNN: x [B,1,28,28] in [-1,1] -> logits [B, num_classes]; `features` gives the
    penultimate layer [B, feature_dim] used for distances."""

    def __init__(self, num_classes: int = 10, channels: int = 32, feature_dim: int = 128):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(), nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.BatchNorm2d(2 * channels), nn.ReLU(),
            nn.MaxPool2d(2),  # 7x7
            nn.Flatten(), nn.Linear(2 * channels * 49, feature_dim), nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


def load_classifier(dataset: str, folder: Path | None = None) -> Classifier:
    folder = Path(folder or CLASSIFIERS_DIR / dataset)
    if not (folder / "model.safetensors").is_file():
        raise CheckpointError(f"{folder}: no classifier; train one with `python -m training classifier --dataset {dataset}`")
    import json

    import safetensors.torch

    model = Classifier(**json.loads((folder / "config.json").read_text()))
    safetensors.torch.load_model(model, str(folder / "model.safetensors"), strict=True)
    return model.eval()


@torch.inference_mode()
def classify(classifier: Classifier, x: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """x [N,1,28,28] -> (features [N, D], predicted class [N])."""
    features, predictions = [], []
    for chunk in x.split(batch):
        f = classifier.features(chunk)
        features.append(f)
        predictions.append(classifier.head(f).argmax(dim=1))
    return torch.cat(features), torch.cat(predictions)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Frechet distance between Gaussians fitted to feature sets a [N, D] and b [M, D]."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    # tr(sqrt(cov_a cov_b)) = tr(sqrt(s cov_b s)) with s = sqrt(cov_a): a symmetric PSD product, so eigh works.
    s = _sqrt_psd(cov_a)
    trace_sqrt = _sqrt_psd(s @ cov_b @ s).trace()
    return float((mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * trace_sqrt)


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Precision: share of fakes inside the real manifold; recall: share of reals inside the fake one.
    A manifold is the union of balls reaching each point's k-th nearest neighbour."""
    def radii(points):
        distances = torch.cdist(points, points)
        return distances.kthvalue(k + 1, dim=1).values  # +1: a point is its own nearest neighbour

    def coverage(manifold, manifold_radii, queries):
        inside = [(torch.cdist(q, manifold) <= manifold_radii[None]).any(dim=1) for q in queries.split(1000)]
        return float(torch.cat(inside).float().mean())

    real, fake = real.float(), fake.float()
    return coverage(real, radii(real), fake), coverage(fake, radii(fake), real)


def class_diversity(features: torch.Tensor, labels: torch.Tensor, num_classes: int, limit: int = 500) -> list[float]:
    """Mean pairwise feature distance within each class (up to `limit` images per class)."""
    result = []
    for k in range(num_classes):
        f = features[labels == k][:limit]
        result.append(float(torch.pdist(f).mean()) if len(f) > 1 else float("nan"))
    return result


def diversity(features: torch.Tensor, limit: int = 2000) -> float:
    """Mean pairwise feature distance among the first `limit` images, all classes together: how varied a set of
    images is as a whole (what an unconditional model can be asked; class_diversity is the per-class figure)."""
    return float(torch.pdist(features[:limit].float()).mean())


def psnr(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB of x against reference, both [N,1,28,28] in [-1, 1] (peak = full range)."""
    mse = ((x - reference) / 2).pow(2).flatten(1).mean(dim=1)
    return 10 * torch.log10(1 / mse.clamp_min(1e-10))


def mean_psnr(x: torch.Tensor, reference: torch.Tensor) -> float:
    """PSNR of the mean squared error over all images (the usual dataset-level figure)."""
    mse = float(((x - reference) / 2).pow(2).mean())
    return 10 * math.log10(1 / max(mse, 1e-10))
