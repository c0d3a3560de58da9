"""Style transfer measured beside its baselines (aegan/evaluate.py `evaluate_style`) and `evaluate --only style`."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from aegan.data import load_dataset
from aegan.images import to_tensor

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "checkpoints"


def strokes(n: int) -> np.ndarray:
    return load_dataset("synthetic", "test").images[:n]


@pytest.fixture
def classifier():
    from aegan.metrics import Classifier

    torch.manual_seed(0)
    return Classifier(channels=4, feature_dim=8).eval()


def test_spearman_reads_ranks():
    from aegan.evaluate import spearman

    rng = np.random.default_rng(0)
    a = np.round(rng.random(200), 1)  # many ties
    assert spearman(a, a) == 1.0  # exactly, as the source-image baseline's row says
    assert spearman(a, a.copy()) == 1.0
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert spearman(a, np.exp(3 * a)) == 1.0  # any increasing map keeps the order
    assert spearman(a, np.ones(200)) == 0.0  # a constant keeps no order
    assert abs(spearman(rng.random(2000), rng.random(2000))) < 0.1


def test_evaluate_style_scores_the_model_and_its_baselines_alike(tiny_model, classifier):
    from aegan.evaluate import STYLE_METHODS, evaluate_style

    x, y = to_tensor(strokes(12)), torch.arange(12) % 10
    values, rows, note = evaluate_style(tiny_model, classifier, x, y, n=10)
    assert values["images"] == 10 and values["attributes"] == ["thickness"]
    assert set(STYLE_METHODS) | {"model"} <= set(values)
    for method in ("model", *STYLE_METHODS):
        figures = values[method]
        assert 0 <= figures["asked_class"] <= 1 and 0 <= figures["source_class"] <= 1
        assert figures["asked_class"] + figures["source_class"] <= 1  # every asked class differs from the source's
        assert -1 <= figures["style_kept"] <= 1 and set(figures["style_kept_per_attribute"]) == {"thickness"}
    assert values["source"]["style_kept"] == 1.0 and values["source"]["style_kept_per_attribute"]["thickness"] == 1.0
    assert len(rows) == 3 and all(len(r) == 3 for r in rows) and note.startswith("Style transfer:")
    assert all(r[0].startswith("style transfer") for r in rows)
    assert "a sample of the asked class" in rows[0][1] and "the source image itself 1.000" in rows[1][1]
    again, _, _ = evaluate_style(tiny_model, classifier, x, y, n=10)
    assert again == values  # seeded: the same figures every run


def test_only_style_prints_and_merges_into_metrics_and_card(tiny_checkpoint, classifier, tmp_path, monkeypatch,
                                                            capsys):
    import aegan.evaluate as evaluate
    import aegan.metrics as metrics
    from aegan.__main__ import main

    classifier.save_pretrained(tmp_path / "classifiers" / "synthetic")
    monkeypatch.setattr(metrics, "CLASSIFIERS_DIR", tmp_path / "classifiers")
    monkeypatch.setattr(evaluate, "RESULTS", tmp_path / "RESULTS.md")
    rows = [{"metric": "precision (k=3)", "model": "0.856", "real": "0.866"},
            {"metric": "style transfer: an old row", "model": "0.1", "real": ""},
            {"metric": "time to sample 64 images (median of 30)", "model": "9.0 ms", "real": ""}]
    old = {"values": {"precision": 0.856, "style": {"old": True}}, "rows": rows,
           "notes": ["Repair: kept.", "Style transfer: old note."]}
    metrics_file = tiny_checkpoint / "metrics.json"
    metrics_file.write_text(json.dumps(old))
    card = tiny_checkpoint / "README.md"
    card_before = card.read_text() if card.exists() else None

    assert main(["evaluate", "--only", "style", "--model", str(tiny_checkpoint), "--no-write"]) == 0
    printed = capsys.readouterr().out
    assert "## tiny-cgan" in printed and "style transfer: read as the asked class" in printed
    assert json.loads(metrics_file.read_text()) == old  # --no-write: nothing written
    assert (card.read_text() if card.exists() else None) == card_before

    assert main(["evaluate", "--only", "style", "--model", str(tiny_checkpoint)]) == 0
    result = json.loads(metrics_file.read_text())
    metrics_rows = [r["metric"] for r in result["rows"]]
    assert metrics_rows[0] == "precision (k=3)" and metrics_rows[-1] == rows[-1]["metric"]  # in the old rows' place
    assert len(metrics_rows) == 5 and all(m.startswith("style transfer: ") for m in metrics_rows[1:4])
    assert "an old row" not in metrics_file.read_text() and result["values"]["precision"] == 0.856
    assert result["values"]["style"]["source"]["style_kept"] == 1.0
    assert result["notes"][0] == "Repair: kept." and result["notes"][1].startswith("Style transfer: the first")
    assert "style transfer: read as the asked class" in card.read_text()
    assert not (tmp_path / "RESULTS.md").exists()  # --model: only that model's files


def test_only_style_on_a_shipped_model_rewrites_its_section_of_results_alone(tiny_checkpoint, classifier, tmp_path,
                                                                            monkeypatch):
    import aegan.evaluate as evaluate
    import aegan.metrics as metrics
    from aegan.__main__ import main

    classifier.save_pretrained(tmp_path / "classifiers" / "synthetic")
    monkeypatch.setattr(metrics, "CLASSIFIERS_DIR", tmp_path / "classifiers")
    monkeypatch.setattr(evaluate, "shipped_models", lambda: [tiny_checkpoint])  # as if it were shipped
    results = tmp_path / "RESULTS.md"
    monkeypatch.setattr(evaluate, "RESULTS", results)
    results.write_text("# Results\n\n## another-model\n\nits table\n\n## tiny-cgan\n\nthe old table\n")
    (tiny_checkpoint / "metrics.json").write_text(json.dumps({"values": {}, "rows": [], "notes": []}))

    assert main(["evaluate", "--only", "style", "--model", str(tiny_checkpoint)]) == 0
    text = results.read_text()
    assert "## another-model\n\nits table\n" in text and "the old table" not in text  # only its own section
    assert "## tiny-cgan" in text and "style transfer: read as the asked class" in text


def run(*args):
    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_only_style_refuses_what_is_not_a_class_model_in_one_line(tiny_config, tmp_path):
    from aegan.models import AEGAN

    text = tmp_path / "tiny-text2img"
    AEGAN(replace(tiny_config, condition="text")).save_pretrained(text)
    for folder, words in [(text, "not a class-conditional AE-GAN"), (tmp_path / "nowhere", "No such file")]:
        result = run("evaluate", "--only", "style", "--model", folder, "--no-write")
        assert result.returncode == 2 and words in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and not result.stdout


# --- with the shipped models (skipped without them) -------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_the_shipped_model_beats_both_one_sided_baselines(dataset):
    """Issue 17: the model's class beats the encoder's unchanged code, its style beats a sample of the class."""
    from aegan.evaluate import evaluate_style, test_halves
    from aegan.metrics import load_classifier
    from aegan.models import load_model

    folder = SHIPPED / f"{dataset}-cgan"
    if not (folder / "model.safetensors").exists() or not (SHIPPED / "classifiers" / dataset).is_dir():
        pytest.skip(f"no shipped {folder.name} or its classifier")
    try:
        (_, _), (x, y), _ = test_halves(dataset)
    except Exception as error:
        pytest.skip(f"{dataset} test data not available ({error})")
    values, _, _ = evaluate_style(load_model(folder), load_classifier(dataset), x, y, n=100)
    model = values["model"]
    assert model["asked_class"] > values["code"]["asked_class"] + 0.2 and model["asked_class"] > 0.8
    assert model["style_kept"] > values["sample"]["style_kept"] + 0.2
