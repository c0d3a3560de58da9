"""Command line of AE-GAN Studio; the app calls the same pipeline functions.

    python -m aegan sample   --model checkpoints/mnist-cgan --n 64 [--label 7] [--seed 0] --out samples.npz
    python -m aegan evaluate [--model checkpoints/mnist-cgan]    # no --model: every shipped model + docs/RESULTS.md

.npz files hold `images` uint8 [N, 28, 28] (0 = background, 255 = ink) and `labels` int64 [N].
Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from .errors import CheckpointError, InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not a usage dump
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m aegan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = commands.add_parser("sample", help="class-conditional samples to an .npz file")
    s.add_argument("--model", required=True, help="checkpoint folder or Hub repo id")
    s.add_argument("--n", type=int, required=True, help="number of images (1..10000)")
    s.add_argument("--label", type=int, help="class id; default: n spread evenly over the classes")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--truncation", type=float, default=1.0, help="scale of z (0..2); below 1 = safer, less varied")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    t = commands.add_parser("text2img", help="images from the prompts of a text file, one prompt per line")
    t.add_argument("--model", required=True, help="a *-text2img checkpoint folder or Hub repo id")
    t.add_argument("--prompts", type=Path, required=True, help="UTF-8 text file; blank lines are skipped")
    t.add_argument("--per-prompt", type=int, default=8, help="images per prompt (1..1000)")
    t.add_argument("--seed", type=int, default=0, help="the same noise is used for every prompt")
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])

    e = commands.add_parser("evaluate", help="measure models against held-out real images")
    e.add_argument("--model", action="append", help="checkpoint folder (repeatable); default: all in checkpoints/")
    e.add_argument("--samples", type=int, help="generated images per measurement (default: as many as the test half)")
    e.add_argument("--no-write", action="store_true", help="print only; do not update model cards and docs/RESULTS.md")
    e.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"sample": _sample, "text2img": _text2img, "evaluate": _evaluate}[args.command](args)
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
    x, y = sample(model, args.n, labels=args.label, seed=args.seed, truncation=args.truncation)
    save_npz(args.out, images=to_uint8(x), labels=y.numpy().astype(np.int64))
    print(f"wrote {len(y)} images to {args.out}", file=sys.stderr)
    return 0


def read_prompts(path: Path) -> list[tuple[int, str]]:
    """(line index, prompt) for each non-blank line of a UTF-8 file (a BOM is fine)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line} is not UTF-8 text; save the file as UTF-8") from None
    prompts = [(i, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not prompts:
        raise InputError(f"{path}: no prompts (the file is empty or has only blank lines)")
    return prompts


def _text2img(args) -> int:
    from .devices import pick_device
    from .images import to_uint8
    from .models import load_model
    from .pipeline import check_count, encode
    from .text import check_text_model, embed_prompts, generate_from_embedding

    check_count(args.per_prompt, limit=1000)
    prompts = read_prompts(args.prompts)
    model = load_model(args.model, pick_device(args.device))
    check_text_model(model)
    embeddings, notes = embed_prompts([p for _, p in prompts])
    images, ids = [], []
    for (line, _), embedding, note in zip(prompts, embeddings, notes):
        images.append(generate_from_embedding(model, embedding, args.per_prompt, seed=args.seed))
        ids += [line] * args.per_prompt
        for message in note:
            print(f"line {line}: {message}", file=sys.stderr)
    x = torch.cat(images)
    labels = encode(model, x)[1].argmax(dim=1)  # E's class guess for each image
    save_npz(args.out, images=to_uint8(x), labels=labels.numpy().astype(np.int64),
             prompt_ids=np.asarray(ids, dtype=np.int64))
    print(f"wrote {len(ids)} images for {len(prompts)} prompts to {args.out}", file=sys.stderr)
    return 0


def _evaluate(args) -> int:
    from .devices import pick_device
    from .evaluate import evaluate_all

    evaluate_all(args.model, samples=args.samples, write=not args.no_write, device=pick_device(args.device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
