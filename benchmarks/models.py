"""Model time per operation on this machine: `python -m benchmarks.models` (prints a markdown table).

Each figure is the median of `--repeats` calls after one warm-up call, on the shipped checkpoints,
with torch's default thread count (the app's setting). Use `--device cuda` to time a GPU.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from aegan.devices import describe_device, pick_device
from aegan.models import load_model
from aegan.pipeline import interpolate, sample
from aegan.repair import repair
from aegan.text import generate_from_embedding, load_text_encoder

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


def median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    cgan = load_model(CHECKPOINTS / "fashion-mnist-cgan", device)
    text = load_model(CHECKPOINTS / "fashion-mnist-text2img", device)
    encoder = load_text_encoder()
    x, _ = sample(cgan, 1, seed=0)
    mask = torch.zeros_like(x)
    mask[..., 7:21, 7:21] = 1
    z0, z1 = torch.randn(2, cgan.config.latent_dim).unbind()
    c0, c1 = torch.eye(10)[7], torch.eye(10)[9]
    prompts = iter(f"a picture of item {i} from the catalogue" for i in range(10_000))
    rows = [
        ("sample 1 image", lambda: sample(cgan, 1, seed=0)),
        ("sample 64 images", lambda: sample(cgan, 64, seed=0)),
        ("one interpolation frame (slider move)", lambda: interpolate(cgan, (z0, c0), (z1, c1), torch.tensor([0.5]))),
        ("encode one drawing (E) and decode it", lambda: cgan.decode(cgan.encode(x.to(device))[0], torch.tensor([3], device=device), encoded=1.0)),
        ("repair one image (40 latent steps)", lambda: repair(cgan, x, mask)),
        ("one new prompt -> 16 images (encoder loaded)",
         lambda: generate_from_embedding(text, encoder.encode([next(prompts)])[0], 16)),
    ]
    with torch.inference_mode(False):
        results = [(name, median_ms(fn, args.repeats)) for name, fn in rows]
    table = [f"Model time per operation on {describe_device(device)}, median of {args.repeats} "
             f"(`python -m benchmarks.models --device {args.device}`):", "",
             "| operation | median ms |", "| --- | --- |"] + [f"| {n} | {ms:.1f} |" for n, ms in results]
    text_table = "\n".join(table)
    print(text_table)
    return text_table


if __name__ == "__main__":
    main()
