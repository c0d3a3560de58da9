"""Fine-tuning on your own images: how long it takes, and what comes out.

    OMP_NUM_THREADS=1 nice -n 15 python -m benchmarks.own          # prints a markdown table (kept in docs/PERFORMANCE-own.md)

1. A folder of 50 Fashion-MNIST *test* images (10 of each of 5 classes, named after them: the shipped model never
   trained on them), saved as PNG files, one subfolder per class.
2. The command line on it: `python -m training train --data FOLDER` (fine-tuning the shipped
   checkpoints/fashion-mnist-cgan, the default for a small folder), in a process of its own, start to exported model.
3. The app's fine-tune of the same images: training/live.py's runner with training/own.py's FineTuneOptions (one
   CPU thread, as the "Your images" tab runs it), start to exported model.
4. The app's model: 20 samples of each class, read by the shipped Fashion-MNIST classifier (the share drawn as the
   class their label names), and the share that copies one of the 50 images (nearer than half the median distance
   between them: aegan/nearest.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .report import ROOT, load_average, now

CLASSES = {"trouser": 1, "dress": 3, "sandal": 5, "bag": 8, "ankle boot": 9}  # folder name -> Fashion-MNIST class
PER_CLASS = 10


def make_folder(root: Path) -> Path:
    from PIL import Image

    from aegan.data import load_dataset

    test = load_dataset("fashion-mnist", "test")
    for name, k in CLASSES.items():
        (root / name).mkdir(parents=True)
        for i, image in enumerate(test.images[test.labels == k][:PER_CLASS]):
            Image.fromarray(image).save(root / name / f"{i}.png")
    return root


def cpu_seconds_of_children() -> float:
    """User + system CPU time of this process's finished children: the work a process did, whatever else the
    machine was running (on an idle core, one thread takes about this long)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command_line(folder: Path, work: Path) -> tuple[float, float]:
    """-> (wall seconds, CPU seconds) of `training train --data FOLDER`, start to exported model."""
    started, cpu = time.monotonic(), cpu_seconds_of_children()
    subprocess.run([sys.executable, "-m", "training", "train", "--data", str(folder), "--no-progress",
                    "--runs-dir", str(work / "runs"), "--checkpoints-dir", str(work / "checkpoints")],
                   cwd=ROOT, check=True)
    return time.monotonic() - started, cpu_seconds_of_children() - cpu


def app_fine_tune(folder: Path, work: Path) -> tuple[float, float, Path, str]:
    from aegan.data import load_folder
    from training.live import LiveRun
    from training.own import FineTuneOptions, save_images

    data = load_folder(folder).data
    work.mkdir(parents=True, exist_ok=True)
    save_images(work / "images.npz", data.images, data.labels, data.class_names)
    options = FineTuneOptions(dataset="fashion-mnist", images=str(work / "images.npz"), export_to=str(work / "model"))
    progress, cpu = None, cpu_seconds_of_children()
    with LiveRun(options, root=work, max_seconds=1800) as run:
        for progress in run.follow(every=2.0):
            pass
    ended = f"{progress.state} ({progress.reason or 'all steps'})"
    return progress.seconds, cpu_seconds_of_children() - cpu, work / "model", ended


def quality(model_dir: Path, folder: Path) -> tuple[float, float]:
    import torch

    from aegan.data import load_folder
    from aegan.images import to_tensor
    from aegan.metrics import classify, load_classifier
    from aegan.models import load_model
    from aegan.nearest import is_copy, nearest, typical_distance
    from aegan.pipeline import sample

    model, classifier = load_model(model_dir), load_classifier("fashion-mnist")
    x, y = sample(model, 20 * len(CLASSES), seed=0)
    asked = torch.as_tensor([CLASSES[model.class_names[k]] for k in y.tolist()])
    accuracy = float((classify(classifier, x)[1] == asked).float().mean())
    bank = to_tensor(load_folder(folder).data.images)
    copies = float(is_copy(nearest(x, bank)[1], typical_distance(bank)).float().mean())
    return accuracy, copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.own", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    import torch

    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="aegan-own-bench-") as work:
        work = Path(work)
        folder = make_folder(work / "fashion-50")
        cli_s, cli_cpu = command_line(folder, work / "cli")
        print(f"command line: {cli_s:.0f} s, {cli_cpu:.0f} CPU s", file=sys.stderr, flush=True)
        app_s, app_cpu, model_dir, ended = app_fine_tune(folder, work / "app")
        accuracy, copies = quality(model_dir, folder)
    print(f"Measured by `python -m benchmarks.own` on {now()}: torch threads here "
          f"{torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"niceness {os.nice(0)}, load average {load_start} at start, {load_average()} at end.\n")
    print("| measure | figure |\n| --- | --- |")
    print(f"| command line, `training train --data` on 50 images (5 classes), start to exported model | "
          f"{cli_s:.0f} s wall, {cli_cpu:.0f} s of CPU |")
    print(f"| the app's fine-tune of the same images (1 thread, the runner's child process) | {app_s:.0f} s wall, "
          f"{app_cpu:.0f} s of CPU, {ended} |")
    print(f"| its samples read as the class their label names (shipped classifier, 100 samples) | {accuracy:.2f} |")
    print(f"| its samples that copy one of the 50 images (nearer than half their median distance) | {copies:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
