"""Command line: train a model, train an evaluation classifier, export a run to checkpoints/.

    python -m training train --preset fashion-mnist            # new numbered run in runs/, exported at the end
    python -m training train --resume runs/00003-fashion-mnist # continue after an interruption
    python -m training export --run runs/00003-fashion-mnist --name fashion-mnist-cgan
    python -m training classifier --dataset mnist               # the metrics classifier
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from aegan.errors import CheckpointError, InputError

from .config import PRESETS, TrainConfig, preset


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    t = commands.add_parser("train", help="train an AE-GAN (autoencoder stage, then GAN stage)")
    t.add_argument("--preset", choices=sorted(PRESETS), default="fashion-mnist")
    t.add_argument("--resume", type=Path, help="run folder to continue (its options are reused)")
    t.add_argument("--runs-dir", type=Path, default=Path("runs"))
    t.add_argument("--ae-steps", type=int)
    t.add_argument("--gan-steps", type=int)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    t.add_argument("--checkpoint-seconds", type=float, help="how often the resumable state is written")
    t.add_argument("--export", dest="export_name", help="checkpoint name to export to at the end")
    t.add_argument("--no-export", action="store_true", help="do not export at the end")
    t.add_argument("--checkpoints-dir", type=Path, default=Path("checkpoints"))
    t.add_argument("--dry-run", action="store_true", help="print the options and exit")
    t.add_argument("--no-progress", action="store_true")

    e = commands.add_parser("export", help="write a run's EMA model and model card to checkpoints/<name>")
    e.add_argument("--run", type=Path, required=True)
    e.add_argument("--name", required=True)
    e.add_argument("--checkpoints-dir", type=Path, default=Path("checkpoints"))

    c = commands.add_parser("classifier", help="train the evaluation classifier of a dataset")
    c.add_argument("--dataset", choices=["fashion-mnist", "mnist", "synthetic"], required=True)
    c.add_argument("--epochs", type=int, default=8)
    c.add_argument("--out", type=Path, help="default: checkpoints/classifiers/<dataset>")
    c.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"train": _train, "export": _export, "classifier": _classifier}[args.command](args)
    except (InputError, CheckpointError, FloatingPointError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; resume with --resume <run folder>", file=sys.stderr)
        return 130


def _train(args) -> int:
    from .export import export_run
    from .loop import train
    from .state import new_run_dir

    for name in ("ae_steps", "gan_steps", "batch_size"):
        value = getattr(args, name)
        if value is not None and (value < 0 or (name == "batch_size" and value < 2)):
            raise InputError(f"--{name.replace('_', '-')} must be {'at least 2' if name == 'batch_size' else '0 or more'}")
    overrides = dict(ae_steps=args.ae_steps, gan_steps=args.gan_steps, batch_size=args.batch_size,
                     seed=args.seed, device=args.device, export_name=args.export_name,
                     checkpoint_seconds=args.checkpoint_seconds)
    if args.resume:
        options = args.resume / "options.json"
        if not options.is_file():
            raise InputError(f"{options}: not found; --resume needs a run folder made by this command")
        cfg = TrainConfig.from_dict(json.loads(options.read_text()))
        cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
        run_dir = args.resume
    else:
        cfg = preset(args.preset, **overrides)
        run_dir = None
    if args.no_export:
        cfg = replace(cfg, export_name=None)
    if args.dry_run:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    if run_dir is None:
        run_dir = new_run_dir(args.runs_dir, args.preset)
        print(f"run folder: {run_dir}", file=sys.stderr)
    (run_dir / "options.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    train(cfg, run_dir, progress=not args.no_progress)
    if cfg.export_name:
        out = export_run(run_dir, args.checkpoints_dir / cfg.export_name)
        print(f"exported to {out}", file=sys.stderr)
    return 0


def _export(args) -> int:
    from .export import export_run

    out = export_run(args.run, args.checkpoints_dir / args.name)
    print(f"exported to {out}", file=sys.stderr)
    return 0


def _classifier(args) -> int:
    from .classifier import train_classifier

    out = args.out or Path("checkpoints/classifiers") / args.dataset
    accuracy = train_classifier(args.dataset, out, epochs=args.epochs, device=args.device)
    print(f"test accuracy {accuracy:.4f}; saved to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
