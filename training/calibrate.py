"""Calibrate a model's sampling scale: the z scale at which G's samples are as varied as real images.

The autoencoder stage's KL term is weak, so E's codes of real images spread wider than the prior N(0, I)
that sampling draws from, and G, trained on both, draws slightly too-typical images at z ~ N(0, I)
(per-class diversity about 0.8 of real images on Fashion-MNIST). We measure the spread where the model
itself can see it, in E's code space, on training images only: for each class, the total variance of E's
mean codes of real images, and of G's images at z ~ N(0, (s I)^2). The scale s at which the two agree on
average over classes, times the training options' `z_wider` (the fashion-mnist presets: 1.05, see
training/config.py), is stored in config.json as `z_scale`, and `aegan.pipeline.draw_latents` uses it.

    python -m training.calibrate --model checkpoints/fashion-mnist-cgan   # rewrites config.json's z_scale

(The command takes `z_wider` from the checkpoint's training.json, 1 where it has none.)

Export calls `calibrate_z_scale` too, after the BatchNorm statistics are measured.

The unconditional AE and VAE (aegan/families.py) are calibrated the same way with all images as one group, over
a wider range of scales (an AE's codes have no prescribed spread at all); the GAN has no encoder to measure with
and keeps 1.0, the scale it was trained at.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import torch

from aegan.data import load_dataset
from aegan.errors import CheckpointError, InputError
from aegan.images import to_tensor
from aegan.models import AEGAN, load_model

from .state import atomic_write_text

SCALES = [round(0.8 + 0.05 * i, 2) for i in range(17)]  # 0.8 .. 1.6
FAMILY_SCALES = [round(0.25 * 2 ** (i / 8), 3) for i in range(41)]  # 0.25 .. 8, 9% apart: the AE and the VAE


@torch.no_grad()
def class_spread(model: AEGAN, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Total variance of E's mean codes per class: x [N,1,28,28], y [N] -> [K] (NaN for absent classes); an
    unconditional model's images are one group: -> [1]."""
    codes = torch.cat([model.encode(chunk)[0] for chunk in x.split(batch)])  # [N, L]
    if model.config.condition == "none":
        return codes.var(0).sum()[None]
    return torch.stack([codes[y == k].var(0).sum() if (y == k).sum() > 1 else torch.tensor(float("nan"))
                        for k in range(model.config.num_classes)])


@torch.no_grad()
def calibrate_z_scale(model: AEGAN, data, conditions, *, seed: int = 0, count: int = 5000, batch: int = 1000,
                      wider: float = 1.0) -> tuple[float, list[tuple[float, float]]]:
    """-> (z scale, [(scale, mean over classes of generated / real spread)]) on `count` training images: `wider`
    times the scale at which the spreads agree.

    `conditions` is training.conditions.ClassConditions or TextConditions (for_classes gives G's input).
    A model without an encoder (the GAN) -> (1.0, []).
    """
    if model.encoder is None:
        return 1.0, []
    scales = SCALES if model.config.family == "aegan" else FAMILY_SCALES
    model.eval()
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(data.labels), generator=g)[:count]
    y = torch.as_tensor(data.labels)[idx]
    real = class_spread(model, to_tensor(data.images[idx.numpy()]), y, batch)
    condition = conditions.for_classes(y, g)
    z = torch.randn(len(y), model.config.latent_dim, generator=g)
    curve = []
    for scale in scales:
        x = torch.cat([model.decode(zc * scale, cc) for zc, cc in zip(z.split(batch), condition.split(batch))])
        ratio = (class_spread(model, x, y, batch) / real).nanmean().item()
        curve.append((scale, round(ratio, 4)))
        if scales is FAMILY_SCALES and ratio >= 1.0:  # the long range: stop once the spread is reached
            break
    # The first scale at which the ratio reaches 1, interpolated linearly from the one before it.
    for (s0, r0), (s1, r1) in zip(curve, curve[1:]):
        if r0 <= 1.0 <= r1:
            return round(wider * (s0 + (1.0 - r0) * (s1 - s0) / max(r1 - r0, 1e-9)), 2), curve
    return round(wider * (scales[0] if curve[0][1] > 1.0 else scales[-1]), 2), curve


def trained_wider(folder: Path) -> float:
    """The `z_wider` a checkpoint was exported with (its training.json's options), 1.0 where it has none."""
    try:
        return float(json.loads((folder / "training.json").read_text())["options"].get("z_wider", 1.0))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 1.0


def with_config(model: AEGAN, **changes) -> AEGAN:
    """The same weights under a config with `changes` (config.json is written from the constructor's config)."""
    changed = AEGAN(replace(model.config, **changes))
    changed.load_state_dict(model.state_dict())
    return changed.eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="checkpoint folder; its config.json is rewritten")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        from .conditions import ClassConditions, TextConditions

        model = load_model(args.model, "cpu")
        data = load_dataset(model.config.dataset, "train")
        kind = TextConditions if model.config.condition == "text" else ClassConditions
        scale, curve = calibrate_z_scale(model, data, kind(data, model.config.num_classes), seed=args.seed,
                                         wider=trained_wider(args.model))
        for s, r in curve:
            print(f"z scale {s:.2f}: generated / real spread {r:.3f}", file=sys.stderr)
        config_file = args.model / "config.json"  # only this file changes; the weights stay as they are
        config = json.loads(config_file.read_text())
        config["z_scale"] = scale
        atomic_write_text(config_file, json.dumps(config, indent=2, sort_keys=True) + "\n")
    except (InputError, CheckpointError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.model}: z_scale = {scale}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
