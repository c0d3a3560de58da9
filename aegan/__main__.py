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

    e = commands.add_parser("evaluate", help="measure models against held-out real images")
    e.add_argument("--model", action="append", help="checkpoint folder (repeatable); default: all in checkpoints/")
    e.add_argument("--samples", type=int, help="generated images per measurement (default: as many as the test half)")
    e.add_argument("--no-write", action="store_true", help="print only; do not update model cards and docs/RESULTS.md")
    e.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"sample": _sample, "evaluate": _evaluate}[args.command](args)
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


def _evaluate(args) -> int:
    from .devices import pick_device
    from .evaluate import evaluate_all

    evaluate_all(args.model, samples=args.samples, write=not args.no_write, device=pick_device(args.device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
