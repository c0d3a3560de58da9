"""Command line of AE-GAN Studio; the app calls the same pipeline functions.

    python -m aegan sample   --model checkpoints/mnist-cgan --n 64 [--label 7] [--seed 0] --out samples.npz
    python -m aegan reconstruct --model checkpoints/fashion-mnist-vae --input images.npz --out reconstructed.npz
    python -m aegan repair   --model checkpoints/mnist-cgan --input masked.npz --out repaired.npz
    python -m aegan denoise  --model checkpoints/mnist-cgan --input noisy.npz --out clean.npz [--noise auto]
    python -m aegan analogy  --model checkpoints/mnist-cgan --input images.npz --out every-class.npz
    python -m aegan interpolate --model checkpoints/mnist-cgan --from-label 3 --to-label 8 --out walk.gif
    python -m aegan evaluate [--model checkpoints/mnist-cgan]    # no --model: every shipped model + docs/RESULTS.md

.npz files hold `images` uint8 [N, 28, 28] (0 = background, 255 = ink) and `labels` int64 [N].
Every command works on the seed's other families (checkpoints/*-ae, *-vae, *-gan: aegan/families.py) where it makes
sense: `sample` on all (an unconditional model takes no --label and writes labels -1), `reconstruct` and
`interpolate` wherever there is an encoder or a prior; what a family cannot do (repair, denoise or analogy on
any of them, reconstruct with the GAN) is refused in one line.
Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch

from .errors import CheckpointError, InputError, shown


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not a usage dump
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .prompt import MAX_PROMPT_CHARS

    parser = _Parser(prog="python -m aegan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = commands.add_parser("sample", help="class-conditional samples to an .npz file")
    s.add_argument("--model", required=True, help="checkpoint folder or Hub repo id")
    s.add_argument("--n", type=int, required=True, help="number of images (1..10000)")
    s.add_argument("--label", help="class id, or class name as the model names it (its config.json's class_names); "
                                   "default: n spread evenly over the classes")
    s.add_argument("--seed", type=int, default=0, help="0 to 2**64 - 1")
    s.add_argument("--truncation", type=float, default=1.0, help="scale of z (0..2); below 1 = safer, less varied")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    c = commands.add_parser("reconstruct", help="each image through the encoder and back (E then G)")
    c.add_argument("--model", required=True, help="a checkpoint with an encoder (*-cgan, *-ae, *-vae) or Hub repo id")
    c.add_argument("--input", type=Path, required=True, help=".npz with images uint8 [N,28,28]")
    c.add_argument("--out", type=Path, required=True, help=".npz: images (the reconstructions) and labels (the "
                                                          "encoder's class guess; -1 where it has no class head)")
    c.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    t = commands.add_parser("text2img", help="images from the prompts of a text file, one prompt per line")
    t.add_argument("--model", required=True, help="a *-text2img checkpoint folder or Hub repo id")
    t.add_argument("--prompts", type=Path, required=True,
                   help=f"UTF-8 text file, one prompt of at most {MAX_PROMPT_CHARS} characters a line; blank lines "
                        "are skipped")
    t.add_argument("--per-prompt", type=int, default=8, help="images per prompt (1..1000)")
    t.add_argument("--seed", type=int, default=0, help="the same noise is used for every prompt")
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    r = commands.add_parser("repair", help="fill the masked pixels of images (input: images + masks, 1 = missing)")
    r.add_argument("--model", required=True, help="a *-cgan checkpoint folder or Hub repo id")
    r.add_argument("--input", type=Path, required=True, help=".npz with images uint8 [N,28,28] and masks uint8 [N,28,28]")
    r.add_argument("--steps", type=int, default=40, help="latent optimisation steps (0..1000; 0 = encoder only)")
    r.add_argument("--seed", type=int, default=0, help="used only for fully masked images, which are sampled")
    r.add_argument("--batch-size", type=int, default=500, help="images optimised together (memory vs speed)")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    d = commands.add_parser("denoise", help="remove noise from images with the model as the prior")
    d.add_argument("--model", required=True, help="a *-cgan checkpoint folder or Hub repo id")
    d.add_argument("--input", type=Path, required=True, help=".npz with images uint8 [N,28,28]")
    d.add_argument("--noise", choices=["auto", "gaussian", "salt-pepper"], default="auto",
                   help="the kind of noise; auto (the default) reads kind and level from each image")
    d.add_argument("--level", type=float, help="gaussian: sigma in grey levels (1..128); salt-pepper: percent of "
                                                "pixels hit (1..90); default: estimated from each image")
    d.add_argument("--batch-size", type=int, default=500, help="images denoised together (memory vs speed)")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    a = commands.add_parser("analogy", help="each image's style rendered in every class (N*K images, row-major)")
    a.add_argument("--model", required=True, help="a *-cgan checkpoint folder or Hub repo id")
    a.add_argument("--input", type=Path, required=True, help=".npz with images uint8 [N,28,28]")
    a.add_argument("--steps", type=int, default=40, help="steps projecting each code towards the prior (0..1000)")
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    w = commands.add_parser("interpolate", help="a walk through the latent space between two seeds, as a GIF")
    w.add_argument("--model", required=True, help="a *-cgan checkpoint folder or Hub repo id")
    w.add_argument("--from-seed", type=int, default=0, help="0 to 2**64 - 1")
    w.add_argument("--to-seed", type=int, default=1, help="0 to 2**64 - 1")
    w.add_argument("--from-label", type=int, help="class at the start (default 0; none for an unconditional model)")
    w.add_argument("--to-label", type=int, help="class at the end (default: the start class)")
    w.add_argument("--steps", type=int, default=24, help="frames (2..500)")
    w.add_argument("--method", choices=["slerp", "lerp"], default="slerp")
    w.add_argument("--out", type=Path, required=True, help="walk.gif (or .npz for the frames as arrays)")
    w.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    e = commands.add_parser("evaluate", help="measure models against held-out real images")
    e.add_argument("--model", action="append", help="checkpoint folder (repeatable); default: all in checkpoints/")
    e.add_argument("--samples", type=int, help="generated images per measurement (default: as many as the test half)")
    e.add_argument("--no-write", action="store_true", help="print only; do not update model cards and docs/RESULTS.md")
    e.add_argument("--only", choices=["denoise", "families", "style", "timing"],
                   help="measure one part alone: denoise (merged into metrics.json), families (the AE, VAE, GAN "
                        "and AE-GAN of Fashion-MNIST measured alike: their cards and docs/RESULTS.md's comparison), "
                        "style (style transfer beside its baselines, merged into metrics.json) or timing (the class "
                        "models' time rows, re-measured on a quiet machine and merged)")
    e.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"sample": _sample, "reconstruct": _reconstruct, "text2img": _text2img, "repair": _repair,
                "denoise": _denoise, "analogy": _analogy, "interpolate": _interpolate,
                "evaluate": _evaluate}[args.command](args)
    except (InputError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}".replace(": : ", ": "), file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write exactly `path` (np.savez would append .npz to other names); refuse a folder."""
    if path.is_dir():
        raise InputError(f"--out {path} is a folder; give a file name such as {path / 'out.npz'}")
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _sample(args) -> int:
    from .devices import pick_device
    from .images import to_uint8
    from .models import load_model
    from .pipeline import sample

    model = load_model(args.model, pick_device(args.device))
    label = None if args.label is None else _class_id(model, args.label)
    x, y = sample(model, args.n, labels=label, seed=args.seed, truncation=args.truncation)
    save_npz(args.out, images=to_uint8(x), labels=y.numpy().astype(np.int64))
    names = ", ".join(f"{k} = {name}" for k, name in enumerate(model.class_names))
    if model.config.condition == "none":  # the AE, VAE and GAN are not asked for a class
        names = "-1: an unconditional model has no class to ask for"
    print(f"wrote {len(y)} images to {args.out} (labels: {names})", file=sys.stderr)
    return 0


def _class_id(model, label: str) -> int:
    """--label: a class id (range-checked by the pipeline), or one of the model's class names (any case)."""
    text = label.strip()
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    names = [name.casefold() for name in model.class_names]
    if text.casefold() in names:
        return names.index(text.casefold())
    raise InputError(f"this model has no class named {shown(label)}; its classes: {', '.join(model.class_names)}")


def _reconstruct(args) -> int:
    from .devices import pick_device
    from .families import check_can, is_conditional
    from .images import to_tensor, to_uint8
    from .models import load_model
    from .pipeline import UNLABELLED, encode, reconstruct

    images = read_npz(args.input, ("images",))["images"]
    model = load_model(args.model, pick_device(args.device))
    check_can(model, "reconstruct")  # before any work: the GAN has no encoder
    if model.config.condition == "text":
        raise InputError("reconstruct needs a class model (*-cgan) or an autoencoder (*-ae, *-vae), not a text one")
    out, labels = [], []
    for chunk in np.array_split(images, -(-len(images) // 1000)):
        x = to_tensor(chunk)
        out.append(to_uint8(reconstruct(model, x)))
        guess = encode(model, x)[1].argmax(dim=1).numpy() if is_conditional(model) else \
            np.full(len(chunk), UNLABELLED)
        labels.append(guess)
    save_npz(args.out, images=np.concatenate(out), labels=np.concatenate(labels).astype(np.int64))
    print(f"wrote {len(images)} reconstructions to {args.out}", file=sys.stderr)
    return 0


def read_prompts(path: Path) -> list[tuple[int, str]]:
    """(line index, prompt) for each non-blank line of a UTF-8 file (a BOM is fine), each prompt tidied by
    aegan.prompt.check_prompt; the first line it refuses is an InputError naming the line (counted from 1)."""
    from .prompt import check_prompt

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line} is not UTF-8 text; save the file as UTF-8") from None
    prompts = []
    for i, line in enumerate(text.splitlines()):
        if line.strip():
            try:
                prompts.append((i, check_prompt(line)))
            except InputError as error:
                raise InputError(f"{path}: line {i + 1}: {error}") from None
    if not prompts:
        raise InputError(f"{path}: no prompts (the file is empty or has only blank lines)")
    return prompts


def _text2img(args) -> int:
    from .devices import pick_device
    from .images import to_uint8
    from .models import load_model
    from .pipeline import check_count, encode
    from .text import check_text_model, generate_from_reading
    from .text import read_prompts as read_texts

    check_count(args.per_prompt, limit=1000)
    prompts = read_prompts(args.prompts)
    model = load_model(args.model, pick_device(args.device))
    check_text_model(model)
    readings = read_texts([p for _, p in prompts], dataset=model.config.dataset)  # as the app reads them
    images, ids = [], []
    for (line, _), reading in zip(prompts, readings):
        images.append(generate_from_reading(model, reading, args.per_prompt, seed=args.seed))
        ids += [line] * args.per_prompt
        for message in reading.notes:
            print(f"line {line + 1}: {message}", file=sys.stderr)
    x = torch.cat(images)
    labels = encode(model, x)[1].argmax(dim=1)  # E's class guess for each image
    save_npz(args.out, images=to_uint8(x), labels=labels.numpy().astype(np.int64),
             prompt_ids=np.asarray(ids, dtype=np.int64))
    print(f"wrote {len(ids)} images for {len(prompts)} prompts to {args.out}", file=sys.stderr)
    return 0


def read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays `keys` of an .npz file, each checked to be [N, 28, 28] integers with one N for all."""
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise InputError(f"{path}: a single array, not an .npz file of named arrays")
        with data:
            found = list(data.files)
            arrays = {k: data[k] for k in keys if k in found}
    except (FileNotFoundError, InputError):
        raise
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:  # not an .npz, truncated, or object arrays (pickle)
        raise InputError(f"{path}: not a readable .npz file ({type(error).__name__})") from None
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise InputError(f"{path}: no {' or '.join(repr(k) for k in missing)} array (found {', '.join(found) or 'nothing'})")
    count = len(arrays[keys[0]]) if arrays[keys[0]].ndim else 0
    for key, array in arrays.items():
        if array.ndim != 3 or array.shape[1:] != (28, 28):
            raise InputError(f"{path}: {key!r} must be [N, 28, 28], not {list(array.shape)}")
        if array.dtype != np.uint8 and not (key == "masks" and (array.dtype == bool or array.dtype.kind in "iu")):
            raise InputError(f"{path}: {key!r} must be uint8 (0..255), not {array.dtype}")
        if len(array) != count:
            raise InputError(f"{path}: {len(array)} {key} for {count} {keys[0]}; the counts must match")
    if count == 0:
        raise InputError(f"{path}: no images (N = 0)")
    return arrays


def _repair(args) -> int:
    from .devices import pick_device
    from .images import mask_to_tensor, to_tensor, to_uint8
    from .models import load_model
    from .repair import repair

    if not 0 <= args.steps <= 1000 or not 1 <= args.batch_size <= 10_000:
        raise InputError("--steps must be 0..1000 and --batch-size 1..10000")
    data = read_npz(args.input, ("images", "masks"))
    model = load_model(args.model, pick_device(args.device))
    images, labels = [], []
    for start in range(0, len(data["images"]), args.batch_size):
        chunk = slice(start, start + args.batch_size)
        result = repair(model, to_tensor(data["images"][chunk]), mask_to_tensor(data["masks"][chunk]),
                        steps=args.steps, seed=args.seed + start)
        images.append(to_uint8(result.x))
        labels.append(result.class_probs.argmax(dim=1).numpy())
    save_npz(args.out, images=np.concatenate(images), labels=np.concatenate(labels).astype(np.int64))
    full = int((data["masks"] != 0).all(axis=(1, 2)).sum())
    note = f" ({full} fully masked: sampled instead)" if full else ""
    print(f"wrote {len(data['images'])} repaired images to {args.out}{note}", file=sys.stderr)
    return 0


def _denoise(args) -> int:
    from .denoise import denoise
    from .devices import pick_device
    from .images import to_tensor, to_uint8
    from .models import load_model
    from .noise import noise_from_level

    if not 1 <= args.batch_size <= 10_000:
        raise InputError("--batch-size must be 1..10000")
    levels = {}
    if args.level is not None:
        if args.noise == "auto":
            raise InputError("--level needs --noise gaussian or salt-pepper (auto estimates the level itself)")
        given = noise_from_level(args.noise, args.level)
        levels = {"sigma": given.sigma} if args.noise == "gaussian" else {"impulse": given.impulse}
    images = read_npz(args.input, ("images",))["images"]
    model = load_model(args.model, pick_device(args.device))
    out, labels, kinds = [], [], {}
    for start in range(0, len(images), args.batch_size):
        result = denoise(model, to_tensor(images[start : start + args.batch_size]), noise=args.noise, **levels)
        out.append(to_uint8(result.x))
        labels.append(result.class_probs.argmax(dim=1).numpy())
        for found in result.noise:
            kinds[found.kind] = kinds.get(found.kind, 0) + 1
    save_npz(args.out, images=np.concatenate(out), labels=np.concatenate(labels).astype(np.int64))
    found = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(f"wrote {len(images)} denoised images to {args.out} (noise found: {found})", file=sys.stderr)
    return 0


def _analogy(args) -> int:
    from .devices import pick_device
    from .images import to_tensor, to_uint8
    from .models import load_model
    from .style import analogy

    if not 0 <= args.steps <= 1000:
        raise InputError("--steps must be 0..1000")
    images = read_npz(args.input, ("images",))["images"]
    model = load_model(args.model, pick_device(args.device))
    k = model.config.num_classes
    x = torch.cat([analogy(model, to_tensor(chunk), steps=args.steps) for chunk in np.array_split(images, -(-len(images) // 500))])
    save_npz(args.out, images=to_uint8(x.flatten(0, 1)), labels=np.tile(np.arange(k, dtype=np.int64), len(images)),
             source_ids=np.repeat(np.arange(len(images), dtype=np.int64), k))
    print(f"wrote {len(images)} x {k} images to {args.out}", file=sys.stderr)
    return 0


def _interpolate(args) -> int:
    from .devices import pick_device
    from .images import save_gif, to_uint8
    from .models import load_model
    from .families import check_can, is_conditional
    from .pipeline import UNLABELLED, check_class_model, check_label, draw_latents, interpolate

    if not 2 <= args.steps <= 500:
        raise InputError(f"--steps must be from 2 to 500, not {shown(args.steps)}")
    model = load_model(args.model, pick_device(args.device))
    if is_conditional(model):
        check_class_model(model, "interpolate")
        start = check_label(model, args.from_label or 0)
        end = check_label(model, start if args.to_label is None else args.to_label)
    elif args.from_label is not None or args.to_label is not None:  # the AE, VAE and GAN walk between seeds only
        check_can(model, "sample a class")
    else:
        start = end = 0  # any class: an unconditional model ignores it
    z0, z1 = (draw_latents(model, 1, seed=s)[0] for s in (args.from_seed, args.to_seed))
    one_hot = torch.eye(model.config.num_classes)
    x = interpolate(model, (z0, one_hot[start]), (z1, one_hot[end]), torch.linspace(0, 1, args.steps),
                    method=args.method)
    frames = to_uint8(x)
    if args.out.suffix == ".npz":
        label = start if is_conditional(model) else UNLABELLED
        save_npz(args.out, images=frames, labels=np.full(len(frames), label, dtype=np.int64))
    else:
        if args.out.is_dir():
            raise InputError(f"--out {args.out} is a folder; give a file name such as {args.out / 'walk.gif'}")
        save_gif(frames, args.out)
    print(f"wrote {len(frames)} frames to {args.out}", file=sys.stderr)
    return 0


def _evaluate(args) -> int:
    from .devices import pick_device
    from .evaluate import evaluate_all, evaluate_denoising_only

    if args.only == "families":
        from .evaluate import evaluate_families

        if args.model:
            raise InputError("--only families measures the shipped Fashion-MNIST families; leave out --model")
        evaluate_families(samples=args.samples, write=not args.no_write, device=pick_device(args.device))
        return 0
    if args.only == "timing":
        from .evaluate import evaluate_timing_only

        evaluate_timing_only(args.model, write=not args.no_write)
        return 0
    if args.only == "denoise":
        evaluate_denoising_only(args.model, write=not args.no_write, device=pick_device(args.device))
        return 0
    if args.only == "style":
        from .evaluate import evaluate_style_only

        evaluate_style_only(args.model, write=not args.no_write, device=pick_device(args.device))
        return 0
    evaluate_all(args.model, samples=args.samples, write=not args.no_write, device=pick_device(args.device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
