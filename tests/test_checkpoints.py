"""The shipped checkpoints: present, small, safetensors only, documented, and working."""

import shutil
from pathlib import Path

import pytest
import torch

from aegan.metrics import classify, load_classifier
from aegan.modelcard import write_model_card
from aegan.models import load_model
from aegan.pipeline import reconstruct, sample

CHECKPOINTS = Path(__file__).parents[1] / "checkpoints"
SHIPPED = ["fashion-mnist-cgan", "mnist-cgan", "fashion-mnist-text2img", "mnist-text2img"]


def test_no_pickles_and_every_file_is_small():
    for path in CHECKPOINTS.rglob("*"):
        assert path.suffix not in {".pt", ".pth", ".bin", ".pkl", ".ckpt"}, path
        if path.is_file():
            assert path.stat().st_size < 20 * 2**20, path


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoint_loads_and_has_a_card(name):
    folder = CHECKPOINTS / name
    model = load_model(folder)
    card = (folder / "README.md").read_text()
    for needed in ("## Data seen", "minutes of training", "## Metrics"):
        assert needed in card, needed
    assert "Not measured yet" not in card
    if model.config.condition == "class":
        x, y = sample(model, 20, seed=0)
        assert x.shape == (20, 1, 28, 28) and y.shape == (20,)


@pytest.mark.parametrize("name", ["fashion-mnist-cgan", "mnist-cgan"])
def test_shipped_cgan_draws_the_asked_class(name):
    """A quick guard against shipping a broken model: the evaluation classifier must agree most of the time."""
    model = load_model(CHECKPOINTS / name)
    classifier = load_classifier(model.config.dataset)
    x, y = sample(model, 200, seed=123)
    accuracy = float((classify(classifier, x)[1] == y).float().mean())
    assert accuracy > 0.85
    # E then G keeps an image recognisable (what repair builds on).
    again = reconstruct(model, x)
    assert float((classify(classifier, again)[1] == y).float().mean()) > 0.8
    assert torch.isfinite(again).all()


@pytest.mark.parametrize("name, start", [("fashion-mnist-text2img", "checkpoints/fashion-mnist-cgan"),
                                         ("fashion-mnist-cgan", None)])
def test_a_card_says_which_model_a_run_was_warm_started_from(name, start, tmp_path):
    """A text model starts from its dataset's CGAN, so it saw that model's images too: its card says so; a model
    trained from scratch says nothing of the kind. The shipped card is what write_model_card writes."""
    folder = tmp_path / name
    shutil.copytree(CHECKPOINTS / name, folder)
    (folder / "README.md").unlink()
    card = write_model_card(folder).read_text()
    assert card == (CHECKPOINTS / name / "README.md").read_text()
    lines = [line for line in card.splitlines() if line.startswith("- Warm-started from")]
    assert lines == ([f"- Warm-started from `{start}` (its own card says what that model saw); the counts above are "
                      "this run's steps alone."] if start else [])
