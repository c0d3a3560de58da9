"""`python -m aegan evaluate`: measure checkpoints beside held-out real images, write cards and docs/RESULTS.md.

The test split is cut in two fixed halves: A is the reference every distance is measured against, and
B is "held-out real images", measured exactly like the model's samples. B's figures are the ceiling.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import torch

from .data import load_dataset
from .images import to_tensor
from .metrics import class_diversity, classify, frechet_distance, load_classifier, mean_psnr, precision_recall
from .modelcard import write_model_card
from .models import load_model
from .pipeline import reconstruct, sample

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = REPO_ROOT / "checkpoints"
RESULTS = REPO_ROOT / "docs" / "RESULTS.md"
COMMAND = "python -m aegan evaluate"


def machine() -> str:
    return f"{platform.machine()} CPU, {torch.get_num_threads()} torch threads" if not torch.cuda.is_available() \
        else torch.cuda.get_device_name()


def test_halves(dataset: str):
    """(reference A, held-out B) of the test split: a fixed random half each."""
    test = load_dataset(dataset, "test")
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))
    a, b = order[: len(order) // 2], order[len(order) // 2 :]
    x, y = to_tensor(test.images), torch.as_tensor(test.labels)
    return (x[a], y[a]), (x[b], y[b]), test


def time_sampling(model, n: int = 64, repeats: int = 30) -> float:
    """Median milliseconds to draw n images (after a warm-up call)."""
    sample(model, n, seed=0)
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        sample(model, n, seed=i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def evaluate_model(folder: Path, *, samples: int | None = None, device: torch.device | None = None) -> dict:
    model = load_model(folder, device or "cpu")
    config = model.config
    classifier = load_classifier(config.dataset)
    (xa, ya), (xb, yb), test = test_halves(config.dataset)
    n = samples or len(yb)
    x_fake, y_fake = sample(model, n, seed=0)

    features_a, _ = classify(classifier, xa)
    features_b, predicted_b = classify(classifier, xb)
    features_fake, predicted_fake = classify(classifier, x_fake)
    precision_fake, recall_fake = precision_recall(features_a, features_fake)
    precision_real, recall_real = precision_recall(features_a, features_b)
    diversity_fake = class_diversity(features_fake, y_fake, config.num_classes)
    diversity_real = class_diversity(features_b, yb, config.num_classes)
    ratios = [f / r for f, r in zip(diversity_fake, diversity_real)]
    reconstruction = reconstruct(model, xb)
    _, class_guess = classify(classifier, reconstruction)
    from .pipeline import encode

    _, probabilities = encode(model, xb)
    values = {
        "class_accuracy": float((predicted_fake == y_fake).float().mean()),
        "class_accuracy_real": float((predicted_b == yb).float().mean()),
        "frechet_distance": frechet_distance(features_fake, features_a),
        "frechet_distance_real": frechet_distance(features_b, features_a),
        "precision": precision_fake, "precision_real": precision_real,
        "recall": recall_fake, "recall_real": recall_real,
        "diversity_ratio_min": min(ratios), "diversity_ratio_mean": sum(ratios) / len(ratios),
        "diversity_ratio_per_class": [round(r, 3) for r in ratios],
        "reconstruction_psnr_db": mean_psnr(reconstruction, xb),
        "reconstruction_class_accuracy": float((class_guess == yb).float().mean()),
        "encoder_class_accuracy": float((probabilities.argmax(1) == yb).float().mean()),
        "sample_64_ms": time_sampling(model),
        "generated_images": n, "held_out_images": len(yb), "reference_images": len(ya),
    }
    rows = [
        ("class accuracy of samples (classifier)", f"{values['class_accuracy']:.3f}", f"{values['class_accuracy_real']:.3f}"),
        ("Frechet distance to test half A (classifier features, lower is better)",
         f"{values['frechet_distance']:.2f}", f"{values['frechet_distance_real']:.2f}"),
        ("precision (k=3)", f"{values['precision']:.3f}", f"{values['precision_real']:.3f}"),
        ("recall (k=3)", f"{values['recall']:.3f}", f"{values['recall_real']:.3f}"),
        ("per-class diversity vs real (min / mean over classes)",
         f"{values['diversity_ratio_min']:.2f} / {values['diversity_ratio_mean']:.2f}", "1.00 / 1.00"),
        ("E -> G reconstruction PSNR of test half B (E's class)", f"{values['reconstruction_psnr_db']:.2f} dB", ""),
        ("classifier accuracy on those reconstructions", f"{values['reconstruction_class_accuracy']:.3f}",
         f"{values['class_accuracy_real']:.3f}"),
        ("encoder's own class accuracy on test half B", f"{values['encoder_class_accuracy']:.3f}", ""),
        ("time to sample 64 images (median of 30)", f"{values['sample_64_ms']:.1f} ms", ""),
    ]
    return {
        "command": COMMAND, "machine": machine(), "values": values,
        "rows": [{"metric": m, "model": v, "real": r} for m, v, r in rows],
        "notes": [f"{n:,} generated images (classes spread evenly, seed 0, truncation 1.0) and "
                  f"{len(yb):,} held-out real images, each against reference half A ({len(ya):,} images) of "
                  f"{test.source}."],
    }


def shipped_models() -> list[Path]:
    return sorted(p for p in CHECKPOINTS.iterdir() if (p / "config.json").exists() and p.name != "classifiers")


def evaluate_all(models: list[str] | None, *, samples: int | None = None, write: bool = True,
                 device: torch.device | None = None) -> dict[str, dict]:
    folders = [Path(m) for m in models] if models else shipped_models()
    results = {}
    for folder in folders:
        result = evaluate_model(folder, samples=samples, device=device)
        results[folder.name] = result
        print(f"\n## {folder.name}\n")
        print(_table(result))
        if write:
            (folder / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
            write_model_card(folder)
    if write and not models:
        _write_results(results)
    return results


def _table(result: dict) -> str:
    lines = ["| metric | model | held-out real images |", "| --- | --- | --- |"]
    lines += [f"| {r['metric']} | {r['model']} | {r['real']} |" for r in result["rows"]]
    return "\n".join(lines)


def _write_results(results: dict[str, dict]) -> None:
    parts = ["# Results", "",
             f"Regenerate with `{COMMAND}` (writes this file and every model card). Measured on {machine()}.",
             "Every figure for a model stands beside the same figure for held-out real test images (the ceiling).", ""]
    for name, result in results.items():
        parts += [f"## {name}", "", _table(result), "", *result["notes"], ""]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(parts))
