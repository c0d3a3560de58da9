"""Train the evaluation classifier of a dataset on its train split (never on generated images)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from aegan.data import load_dataset
from aegan.devices import pick_device
from aegan.images import to_tensor
from aegan.metrics import Classifier, classify
from aegan.modelcard import classifier_front_matter


def _shift(x: torch.Tensor, g: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Random translation by up to `pixels` in each direction (background-padded)."""
    padded = F.pad(x, (pixels,) * 4, value=-1.0)
    dx, dy = torch.randint(0, 2 * pixels + 1, (2,), generator=g).tolist()
    return padded[:, :, dy : dy + 28, dx : dx + 28]


def train_classifier(dataset: str, out: Path, *, epochs: int = 8, batch_size: int = 128, seed: int = 0,
                     device: str = "auto") -> float:
    """Train, save to `out` (config.json + model.safetensors + README.md); returns test accuracy."""
    import safetensors.torch

    device = pick_device(device)
    torch.manual_seed(seed)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    x, y = to_tensor(train.images), torch.as_tensor(train.labels)
    model = Classifier(num_classes=len(train.class_names)).to(device)
    steps = epochs * (len(y) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=max(steps, 1))
    g = torch.Generator().manual_seed(seed)
    started = time.monotonic()
    model.train()
    for step in range(steps):
        if step % (len(y) // batch_size) == 0:
            order = torch.randperm(len(y), generator=g)
        i = step % (len(y) // batch_size)
        idx = order[i * batch_size : (i + 1) * batch_size]
        xb = _shift(x[idx], g).to(device)
        loss = F.cross_entropy(model(xb), y[idx].to(device), label_smoothing=0.05)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    seconds = time.monotonic() - started
    model = model.cpu().eval()
    _, predicted = classify(model, to_tensor(test.images))
    accuracy = float((predicted.numpy() == test.labels).mean())

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps({"num_classes": len(train.class_names), "channels": 32,
                                                 "feature_dim": 128}, indent=2) + "\n")
    safetensors.torch.save_model(model, str(out / "model.safetensors"))
    (out / "README.md").write_text(
        classifier_front_matter(dataset) +
        f"# {dataset} evaluation classifier\n\n"
        "A small CNN used only to measure generated images (class accuracy, feature distances). "
        "It never saw a generated image.\n\n"
        f"- Data seen: {train.source}; {epochs} epochs with random shifts of up to 2 pixels.\n"
        f"- Training time: {seconds / 60:.1f} minutes on {device.type.upper()}.\n"
        f"- Test accuracy: {accuracy:.4f} on {test.source}.\n"
        f"- Reproduce: `python -m training classifier --dataset {dataset} --epochs {epochs}`\n")
    return accuracy
