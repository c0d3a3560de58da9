"""Command line: train a model, train an evaluation classifier, export a run to checkpoints/.

    python -m training train --preset fashion-mnist            # new numbered run in runs/, exported at the end
    python -m training train --resume runs/00003-fashion-mnist # continue after an interruption
    python -m training train --data my-images                  # your own images: one subfolder per class
    torchrun --nproc_per_node=4 -m training train --preset fashion-mnist   # 4 GPUs (or CPU processes), one run
    python -m training export --run runs/00003-fashion-mnist --name fashion-mnist-cgan
    python -m training classifier --dataset mnist               # the metrics classifier
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from aegan.errors import CheckpointError, InputError

from .config import PRECISIONS, PRESETS, TrainConfig, preset


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    t = commands.add_parser("train", help="train an AE-GAN (autoencoder stage, then GAN stage)")
    t.add_argument("--preset", choices=sorted(PRESETS), default="fashion-mnist",
                   help="with --data: the shipped model fine-tuned (or, from scratch, the recipe)")
    t.add_argument("--data", type=Path, metavar="FOLDER",
                   help="train on your own images: one subfolder per class (up to 10), named after the class; any "
                        "image format or size, converted as the app converts uploads; unusable files are listed "
                        "and skipped. Up to 5,000 images fine-tune the preset's shipped model, more train from "
                        "scratch")
    t.add_argument("--init-from", metavar="DIR",
                   help="with --data: the class model to fine-tune (default: the preset's shipped one for a small "
                        "folder); 'none' trains from scratch")
    t.add_argument("--resume", type=Path, help="run folder to continue (its options are reused)")
    t.add_argument("--runs-dir", type=Path, default=Path("runs"))
    t.add_argument("--ae-steps", type=int)
    t.add_argument("--gan-steps", type=int)
    t.add_argument("--batch-size", type=int, help="images per step and per process (torchrun: per rank)")
    t.add_argument("--ae-lr", type=float, help="learning rate of the autoencoder stage")
    t.add_argument("--gan-lr", type=float, help="learning rate of the GAN stage")
    t.add_argument("--seed", type=int)
    t.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    t.add_argument("--precision", choices=PRECISIONS,
                   help="bfloat16: forward passes under autocast, faster on CPUs with AVX-512 BF16 and on recent GPUs")
    t.add_argument("--checkpoint-seconds", type=float, help="how often the resumable state is written")
    t.add_argument("--export", dest="export_name", help="checkpoint name to export to at the end")
    t.add_argument("--no-export", action="store_true", help="do not export at the end")
    t.add_argument("--checkpoints-dir", type=Path, default=Path("checkpoints"))
    t.add_argument("--dry-run", action="store_true", help="print the options and exit")
    t.add_argument("--no-progress", action="store_true")
    t.add_argument("--rank-weights", type=Path, metavar="DIR",
                   help="check: each process writes its final weights to DIR/rank-<r>.safetensors")

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
        where = f"rank {os.environ['RANK']}: " if int(os.environ.get("WORLD_SIZE", 1)) > 1 else ""
        print(f"{where}error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; resume with --resume <run folder>", file=sys.stderr)
        return 130


def _train(args) -> int:
    for name in ("ae_steps", "gan_steps", "batch_size"):
        value = getattr(args, name)
        if value is not None and (value < 0 or (name == "batch_size" and value < 2)):
            raise InputError(f"--{name.replace('_', '-')} must be {'at least 2' if name == 'batch_size' else '0 or more'}")
    for name in ("ae_lr", "gan_lr"):
        value = getattr(args, name)
        if value is not None and not 0 < value < float("inf"):
            raise InputError(f"--{name.replace('_', '-')} must be a positive number")
    overrides = overrides_of(args)
    if args.data is not None and args.resume is not None:
        raise InputError("--data starts a new run; --resume continues one with the folder it was started with")
    if args.init_from is not None and args.data is None:
        raise InputError("--init-from goes with --data (the presets name their own starting point)")
    if args.data is not None:
        return _train_own(args, overrides)
    if args.dry_run:
        print(json.dumps(_config(args, overrides, _read_options(args.resume)).to_dict(), indent=2))
        return 0
    return _run(args, None, args.preset)


def _run(args, cfg: TrainConfig | None, name: str, data=None) -> int:
    """Train (cfg, or the options of the preset or the resumed run when None) into a new or resumed run folder
    named after `name`, then export."""
    from . import distributed
    from .export import export_run
    from .loop import train
    from .state import atomic_write_text, new_run_dir

    distributed.init()  # under torchrun: join the other processes (a no-op otherwise)
    try:
        main = distributed.is_main()  # only rank 0 reads and writes the run folder; the others get what it read
        if cfg is None:
            cfg = _config(args, overrides_of(args), distributed.broadcast_object(_read_options(args.resume)
                                                                                 if main else None))
        run_dir = args.resume
        if main:
            if run_dir is None:
                run_dir = new_run_dir(args.runs_dir, name)
                print(f"run folder: {run_dir}", file=sys.stderr)
            atomic_write_text(run_dir / "options.json", json.dumps(cfg.to_dict(), indent=2))
        run_dir = Path(distributed.broadcast_object(str(run_dir)))
        train(cfg, run_dir, progress=not args.no_progress, rank_weights=args.rank_weights, data=data)
        if cfg.export_name and main:
            out = export_run(run_dir, args.checkpoints_dir / cfg.export_name, data=data)
            print(f"exported to {out}", file=sys.stderr)
    finally:
        distributed.finish()
    return 0


def overrides_of(args) -> dict:
    """The options given on the command line (None: not given)."""
    return dict(ae_steps=args.ae_steps, gan_steps=args.gan_steps, batch_size=args.batch_size,
                ae_lr=args.ae_lr, gan_lr=args.gan_lr, seed=args.seed, device=args.device,
                export_name=args.export_name, checkpoint_seconds=args.checkpoint_seconds, precision=args.precision)


def _train_own(args, overrides: dict) -> int:
    """--data FOLDER: read the folder (saying what was read and what was skipped), choose fine-tuning or training
    from scratch (training/own.py), then train and export as any run (default export: checkpoints/own-<folder>)."""
    from aegan.data import load_folder

    from .own import own_config

    report = load_folder(args.data)
    main = int(os.environ.get("RANK", 0)) == 0
    if main:
        print(f"{args.data}: {report.summary()}", file=sys.stderr)
    data = report.data
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in args.data.resolve().name).strip("-") or "own"
    overrides = {**overrides, "export_name": args.export_name or f"own-{name}"}  # never a shipped folder's name
    cfg, said = own_config(data, preset=args.preset, init_from=args.init_from or "auto",
                           data_folder=args.data.resolve(), **overrides)
    if args.no_export:
        cfg = replace(cfg, export_name=None)
    if main:
        print(f"{said}; classes: {', '.join(f'{k} = {n}' for k, n in enumerate(data.class_names))}", file=sys.stderr)
    if args.dry_run:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    return _run(args, cfg, name, data)


def _read_options(run_dir: Path | None) -> dict | str | None:
    """A run folder's options (None for a new run), or why they cannot be read (sent to every rank as is)."""
    if run_dir is None:
        return None
    path = run_dir / "options.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return f"{path}: not found; --resume needs a run folder made by this command"
    except (OSError, ValueError) as error:
        return f"{path}: not readable ({type(error).__name__})"


def _config(args, overrides: dict, options: dict | str | None) -> TrainConfig:
    if isinstance(options, str):
        raise InputError(options)
    if options is None:
        cfg = preset(args.preset, **overrides)
    else:
        try:
            cfg = TrainConfig.from_dict(options)
        except (TypeError, KeyError, ValueError) as error:
            raise InputError(f"{args.resume / 'options.json'}: not options this version can read ({error})") from None
        cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    return replace(cfg, export_name=None) if args.no_export else cfg


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
