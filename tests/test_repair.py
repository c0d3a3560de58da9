"""Repair, style transfer by analogy, mask sets, baselines and their command lines."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from aegan.errors import InputError
from aegan.images import mask_to_tensor, prepare_mask, to_tensor, to_uint8
from aegan.inpainting import BASELINES, MASK_KINDS, make_masks, mean_fill, run_baseline, score
from aegan.repair import harmonic_fill, repair, repair_image
from aegan.style import analogy, transfer_style

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "checkpoints" / "mnist-cgan"
FAST = dict(steps=3)  # a few steps: these tests check plumbing, the metrics check quality


def random_images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28)).astype(np.uint8)


def shipped_model_and_data():
    """The shipped MNIST model, its classifier and test digits, or a skip when any is missing."""
    from aegan.data import load_dataset
    from aegan.metrics import load_classifier
    from aegan.models import load_model

    if not (SHIPPED / "model.safetensors").exists():
        pytest.skip("no shipped checkpoints/mnist-cgan")
    try:
        test = load_dataset("mnist", "test")
        classifier = load_classifier("mnist")
    except Exception as error:
        pytest.skip(f"MNIST test data or classifier not available ({error})")
    return load_model(SHIPPED), classifier, test


# --- mask sets and baselines ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", MASK_KINDS)
def test_masks_are_deterministic_and_partial(kind):
    masks = make_masks(kind, 16, seed=3)
    assert masks.shape == (16, 28, 28) and masks.dtype == np.uint8 and set(np.unique(masks)) <= {0, 1}
    assert np.array_equal(masks, make_masks(kind, 16, seed=3))
    assert all(0 < m.sum() < 28 * 28 for m in masks)


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_keep_known_pixels(name):
    if name != "mean fill":
        pytest.importorskip("skimage" if name == "biharmonic" else "cv2")
    images, masks = random_images(4), make_masks("brush", 4)
    masks[0] = 0  # nothing missing
    out = run_baseline(name, images, masks)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert np.array_equal(out[masks == 0], images[masks == 0])


def test_mean_fill_and_scores():
    pytest.importorskip("skimage")
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, :, 14:] = 200
    masks = make_masks("centre", 2)
    filled = mean_fill(images, masks)
    assert filled[0, 14, 14] == round(float(images[0][masks[0] == 0].mean()))
    perfect = score(images, images, masks)
    assert perfect["hole_psnr"] == 100.0 and perfect["whole_ssim"] == pytest.approx(1.0)
    assert score(images, filled, masks)["hole_psnr"] < 20


# --- repair ----------------------------------------------------------------------------------------

def test_harmonic_fill_reproduces_linear_ramps():
    ramp = torch.linspace(-1, 1, 28).repeat(28, 1).view(1, 1, 28, 28)
    hole = mask_to_tensor(make_masks("centre", 1))
    filled = harmonic_fill(torch.where(hole > 0, torch.zeros_like(ramp), ramp), hole)
    assert torch.allclose(filled, ramp, atol=1e-4)


@pytest.mark.parametrize("kind", MASK_KINDS)
def test_known_pixels_are_kept_exactly(tiny_model, kind):
    images, masks = random_images(5), make_masks(kind, 5)
    result = repair(tiny_model, to_tensor(images), mask_to_tensor(masks), **FAST)
    out = to_uint8(result.x)
    assert np.abs(out.astype(int) - images)[masks == 0].max() == 0
    assert result.x.shape == (5, 1, 28, 28) and result.x.min() >= -1 and result.x.max() <= 1
    assert result.class_probs.shape == (5, 10) and torch.allclose(result.class_probs.sum(1), torch.ones(5))


def test_batch_equals_one_by_one(tiny_model):
    """Each image is its own optimisation problem: batching changes nothing but speed."""
    images, masks = to_tensor(random_images(3)), mask_to_tensor(make_masks("half", 3))
    together = repair(tiny_model, images, masks, **FAST).x
    alone = torch.cat([repair(tiny_model, images[i : i + 1], masks[i : i + 1], **FAST).x for i in range(3)])
    assert torch.allclose(together, alone, atol=1e-4)


def test_repair_works_under_inference_mode_and_leaves_the_model_alone(tiny_model):
    images, masks = to_tensor(random_images(2)), mask_to_tensor(make_masks("brush", 2))
    with torch.inference_mode():
        inside = repair(tiny_model, images, masks, **FAST).x
    assert torch.equal(inside, repair(tiny_model, images, masks, **FAST).x)
    assert all(p.grad is None for p in tiny_model.parameters())


def test_degenerate_masks_in_a_batch(tiny_model):
    images = random_images(4)
    masks = np.zeros((4, 28, 28), np.uint8)
    masks[1] = 1  # everything missing: sampled
    masks[2, 5, 9] = 1  # one pixel
    masks[3, :, :27] = 1  # one column known
    result = repair(tiny_model, to_tensor(images), mask_to_tensor(masks), **FAST)
    out = to_uint8(result.x)
    assert np.array_equal(out[0], images[0])
    assert np.array_equal(out[2][masks[2] == 0], images[2][masks[2] == 0])
    assert np.array_equal(out[3][:, 27], images[3][:, 27])
    assert result.class_probs[1].max() > 0.99  # the sampled class
    again = repair(tiny_model, to_tensor(images), mask_to_tensor(masks), **FAST)
    assert torch.equal(again.x, result.x)  # sampling is seeded


def test_repair_image_notes(tiny_model):
    image = random_images(1)[0] // 4  # dark background, as the models expect
    out, probs, notes = repair_image(tiny_model, image, np.zeros((28, 28), bool))
    assert np.array_equal(out, image) and probs.shape == (10,) and any("empty" in n for n in notes)
    out, _, notes = repair_image(tiny_model, image, np.ones((28, 28), np.uint8), **FAST)
    assert out.shape == (28, 28) and any("whole image" in n for n in notes)
    mask = np.zeros((56, 56), np.float32)
    mask[10:30, 10:30] = 1.0
    out, _, notes = repair_image(tiny_model, image, mask, **FAST)
    assert any("resized" in n for n in notes) and any("float" in n for n in notes)
    hole, _ = prepare_mask(mask)
    assert np.array_equal(out[~hole], image[~hole])
    rgb = np.repeat(np.kron(image, np.ones((2, 2), np.uint8))[..., None], 3, axis=2)  # 56x56 RGB
    out, _, notes = repair_image(tiny_model, rgb, hole, **FAST)
    assert out.shape == (28, 28) and any("grayscale" in n for n in notes) and any("resized" in n for n in notes)


@pytest.mark.parametrize("image, mask, message", [
    (np.full((28, 28), np.nan), np.zeros((28, 28)), "NaN"),
    (np.zeros((28, 28), np.uint8), np.full((28, 28), np.nan), "NaN"),
    (np.zeros((28, 28), np.uint8), np.zeros((3, 28, 28)), "2-D"),
    (np.zeros((28, 28), np.uint8), np.zeros((0, 5)), "empty"),
    (np.zeros((28, 28), np.uint8), np.array([["a"] * 28] * 28), "numbers"),
    (np.zeros((0, 28), np.uint8), np.zeros((28, 28)), "empty"),
])
def test_repair_image_bad_input(tiny_model, image, mask, message):
    with pytest.raises(InputError, match=message):
        repair_image(tiny_model, image, mask, **FAST)


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=-1), "steps"), (dict(lr=float("nan")), "lr"), (dict(prior_weight=-1.0), "weights"),
])
def test_repair_bad_knobs_and_shapes(tiny_model, kwargs, message):
    x, mask = to_tensor(random_images(1)), mask_to_tensor(make_masks("centre", 1))
    with pytest.raises(InputError, match=message):
        repair(tiny_model, x, mask, **kwargs)
    with pytest.raises(InputError, match="does not match"):
        repair(tiny_model, x, mask[:, :, :14])
    with pytest.raises(InputError, match="NaN"):
        repair(tiny_model, x * float("nan"), mask)
    with pytest.raises(InputError, match="the mask contains NaN"):
        repair(tiny_model, x, mask * float("inf"))
    with pytest.raises(InputError, match=r"\[B, 1, 28, 28\]"):
        repair(tiny_model, x[0], mask[0])


def test_text_models_are_refused(tiny_config):
    from dataclasses import replace

    from aegan.models import AEGAN

    text_model = AEGAN(replace(tiny_config, condition="text")).eval()
    with pytest.raises(InputError, match="class-conditional"):
        repair(text_model, to_tensor(random_images(1)), mask_to_tensor(make_masks("centre", 1)))
    with pytest.raises(InputError, match="class-conditional"):
        analogy(text_model, to_tensor(random_images(1)), **FAST)
    with pytest.raises(InputError, match="class-conditional"):
        text_model.decode_mixture(torch.zeros(1, 8), torch.eye(10)[:1])


def test_lightly_masked_repair_is_closer_to_the_truth():
    model, _, test = shipped_model_and_data()
    truth = test.images[:64]
    masks = make_masks("scattered", 64, seed=1)
    repaired = to_uint8(repair(model, to_tensor(truth), mask_to_tensor(masks)).x)

    def hole_error(images):
        return float((((images.astype(float) - truth) / 255) ** 2)[masks == 1].mean())

    masked = np.where(masks == 1, 0, truth)  # the masked input: holes are background
    assert hole_error(repaired) < hole_error(masked) / 2
    assert hole_error(repaired) < hole_error(mean_fill(truth, masks))


# --- style transfer by analogy ---------------------------------------------------------------------

def test_analogy_shapes_and_consistency(tiny_model):
    x = to_tensor(random_images(3))
    grid = analogy(tiny_model, x, **FAST)
    assert grid.shape == (3, 10, 1, 28, 28)
    labels = torch.tensor([4, 0, 9])
    moved = transfer_style(tiny_model, x, labels, **FAST)
    assert moved.shape == (3, 1, 28, 28)
    assert torch.allclose(moved, grid[torch.arange(3), labels], atol=1e-5)
    with pytest.raises(InputError, match="one label per image"):
        transfer_style(tiny_model, x, labels[:2])
    with pytest.raises(InputError, match="out of range"):  # pipeline.check_label's rule and message
        transfer_style(tiny_model, x, torch.tensor([0, 1, 10]))


def test_analogy_draws_the_asked_classes():
    from aegan.metrics import classify

    model, classifier, test = shipped_model_and_data()
    grid = analogy(model, to_tensor(test.images[::200][:10]))  # [10, 10, 1, 28, 28]
    _, predicted = classify(classifier, grid.flatten(0, 1))
    asked = torch.arange(10).repeat(10)
    assert float((predicted == asked).float().mean()) >= 0.8


# --- command line ----------------------------------------------------------------------------------

def run(*args):
    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_repair_cli(tiny_checkpoint, tmp_path):
    images, masks = random_images(7), make_masks("brush", 7)
    masks[0] = 1
    path, out = tmp_path / "masked.npz", tmp_path / "repaired.npz"
    np.savez(path, images=images, masks=masks)
    result = run("repair", "--model", tiny_checkpoint, "--input", path, "--out", out, "--steps", 2, "--batch-size", 3)
    assert result.returncode == 0, result.stderr
    data = np.load(out)
    assert data["images"].shape == (7, 28, 28) and data["images"].dtype == np.uint8
    assert data["labels"].shape == (7,) and data["labels"].dtype == np.int64
    assert np.array_equal(data["images"][masks == 0], images[masks == 0])


def test_analogy_cli(tiny_checkpoint, tmp_path):
    path, out = tmp_path / "images.npz", tmp_path / "grid.npz"
    np.savez(path, images=random_images(3), labels=np.zeros(3, np.int64))
    result = run("analogy", "--model", tiny_checkpoint, "--input", path, "--out", out)
    assert result.returncode == 0, result.stderr
    data = np.load(out)
    assert data["images"].shape == (30, 28, 28) and data["images"].dtype == np.uint8
    assert data["labels"].tolist() == list(range(10)) * 3
    assert data["source_ids"].tolist() == [0] * 10 + [1] * 10 + [2] * 10


@pytest.mark.parametrize("arrays, message", [
    (dict(images=random_images(2)), "no 'masks'"),
    (dict(images=random_images(2), masks=np.zeros((3, 28, 28), np.uint8)), "counts must match"),
    (dict(images=random_images(2).astype(np.float32), masks=np.zeros((2, 28, 28), np.uint8)), "uint8"),
    (dict(images=random_images(2)[:, :14], masks=np.zeros((2, 14, 28), np.uint8)), "[N, 28, 28]"),
    (dict(images=np.zeros((0, 28, 28), np.uint8), masks=np.zeros((0, 28, 28), np.uint8)), "no images"),
    (dict(images=random_images(1), masks=np.zeros((1, 28, 28), np.float64)), "masks"),
    ("not an npz", "not a readable .npz"),
    ("missing", "No such file"),
])
def test_repair_cli_bad_input(tiny_checkpoint, tmp_path, arrays, message):
    path = tmp_path / "in.npz"
    if arrays == "not an npz":
        path.write_text("hello")
    elif arrays != "missing":
        np.savez(path, **arrays)
    result = run("repair", "--model", tiny_checkpoint, "--input", path, "--out", tmp_path / "out.npz")
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_analogy_cli_bad_input(tiny_checkpoint, tmp_path):
    path = tmp_path / "in.npz"
    np.save(tmp_path / "in.npy", random_images(2))
    (tmp_path / "in.npy").rename(path)  # a bare array, not an archive
    result = run("analogy", "--model", tiny_checkpoint, "--input", path, "--out", tmp_path / "out.npz")
    assert result.returncode == 2 and "single array" in result.stderr and result.stderr.count("\n") == 1


# --- metrics ---------------------------------------------------------------------------------------

def test_evaluate_repair_rows(tiny_model):
    pytest.importorskip("skimage")
    pytest.importorskip("cv2")
    from aegan.evaluate import evaluate_repair
    from aegan.metrics import Classifier

    torch.manual_seed(0)
    classifier = Classifier(channels=4, feature_dim=8).eval()
    x, y = to_tensor(random_images(6)), torch.arange(6)
    values, rows, note = evaluate_repair(tiny_model, classifier, x, y, n=6, batch=8)
    assert set(values["centre"]) == {"model", *BASELINES}
    assert {"hole_psnr", "hole_ssim", "whole_psnr", "whole_ssim", "class_accuracy"} <= set(values["half"]["model"])
    assert len(rows) == 4 * len(MASK_KINDS) + 3 and all(len(r) == 3 for r in rows) and "Repair" in note
