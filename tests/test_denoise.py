"""Noise (seeded generation, estimation, classical baselines), the model's denoiser and its command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from aegan.data import load_dataset
from aegan.denoise import denoise, denoise_image
from aegan.errors import InputError
from aegan.images import to_tensor, to_uint8
from aegan.noise import Noise, add_noise, estimate_noise, median_filter, noise_from_level, psnr

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "checkpoints"
FAST = dict(steps=3, detail_steps=3)  # plumbing only; the shipped-model tests and the metrics check quality


def strokes(n: int = 8) -> np.ndarray:
    """Clean images with a dark background, as the models expect: uint8 [n, 28, 28]."""
    return load_dataset("synthetic", "test").images[:n]


def shipped(dataset: str):
    """(the shipped model for a dataset, its test images), or a skip when either is missing."""
    from aegan.models import load_model

    folder = SHIPPED / f"{dataset}-cgan"
    if not (folder / "model.safetensors").exists():
        pytest.skip(f"no shipped {folder.name}")
    try:
        test = load_dataset(dataset, "test")
    except Exception as error:
        pytest.skip(f"{dataset} test data not available ({error})")
    return load_model(folder), test.images


# --- making noise ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("noise", [Noise(sigma=40), Noise(impulse=0.15), Noise(sigma=20, impulse=0.1)])
def test_noise_is_seeded(noise):
    images = strokes()
    once = add_noise(images, noise, seed=7)
    assert once.dtype == np.uint8 and once.shape == images.shape
    assert np.array_equal(once, add_noise(images, noise, seed=7))
    assert not np.array_equal(once, add_noise(images, noise, seed=8))
    assert np.array_equal(add_noise(images[:3], noise, seed=7), once[:3])  # a batch's start is the same
    assert np.array_equal(add_noise(images[0], noise, seed=7), once[0])  # one [28, 28] image


def test_noise_kinds_do_what_they_say():
    images = np.full((20, 28, 28), 128, np.uint8)
    gaussian = add_noise(images, Noise(sigma=40), seed=0).astype(float)
    assert abs(gaussian.std() - 40) < 2 and abs(gaussian.mean() - 128) < 1
    hit = add_noise(images, Noise(impulse=0.3), seed=0)
    assert set(np.unique(hit)) == {0, 128, 255}
    assert abs((hit != 128).mean() - 0.3) < 0.02 and abs((hit == 0).mean() - (hit == 255).mean()) < 0.02
    assert np.array_equal(add_noise(images, Noise(), seed=0), images)
    assert Noise(sigma=40).kind == "gaussian" and Noise(impulse=0.1).kind == "salt-pepper"
    assert Noise(sigma=1, impulse=0.1).kind == "mix" and Noise().kind == "none"
    assert Noise(sigma=40, impulse=0.15).describe() == "Gaussian sigma 40/255 + salt-and-pepper 15%"


@pytest.mark.parametrize("make, message", [
    (lambda: Noise(sigma=200), "from 0 to 128"), (lambda: Noise(sigma=-1), "from 0 to 128"),
    (lambda: Noise(sigma=float("nan")), "from 0 to 128"), (lambda: Noise(impulse=0.95), "from 0 to 0.9"),
    (lambda: Noise(impulse=15), "0.15 = 15%"), (lambda: noise_from_level("gaussian", 0.5), "from 1 to 128"),
    (lambda: noise_from_level("salt-pepper", 95), "from 1 to 90"), (lambda: noise_from_level("auto", 4), "goes with"),
    (lambda: add_noise(strokes().astype(float), Noise(sigma=4)), "uint8"),
    (lambda: add_noise(strokes(), Noise(sigma=4), seed=-1), "seed"),
])
def test_bad_noise_is_refused_in_one_sentence(make, message):
    with pytest.raises(InputError, match=message) as caught:
        make()
    assert "\n" not in str(caught.value)


def test_noise_from_level_reads_the_clis_units():
    assert noise_from_level("gaussian", 40) == Noise(sigma=40)
    assert noise_from_level("salt-pepper", 15) == Noise(impulse=0.15)


# --- estimating it ------------------------------------------------------------------------------------------

def test_noise_is_estimated_from_the_image():
    images = load_dataset("synthetic", "test").images[:40]
    assert all(found == Noise() for found in estimate_noise(images))  # clean strokes: no noise at all
    sigmas = [found.sigma for found in estimate_noise(add_noise(images, Noise(sigma=40), seed=1))]
    assert 32 < np.median(sigmas) < 48
    shares = [found.impulse for found in estimate_noise(add_noise(images, Noise(impulse=0.2), seed=1))]
    assert 0.14 < np.median(shares) < 0.26
    both = estimate_noise(add_noise(images, Noise(sigma=20, impulse=0.1), seed=1))
    assert 15 < np.median([f.sigma for f in both]) < 25 and 0.05 < np.median([f.impulse for f in both]) < 0.15


# --- the denoiser ---------------------------------------------------------------------------------------------

def test_a_clean_image_comes_back_unchanged(tiny_model):
    images = strokes()
    result = denoise(tiny_model, to_tensor(images), **FAST)
    assert all(found.kind == "none" for found in result.noise)
    assert np.array_equal(to_uint8(result.x), images)


def test_denoise_shapes_batches_and_leaves_the_model_alone(tiny_model):
    noisy = to_tensor(add_noise(strokes(3), Noise(sigma=30, impulse=0.1), seed=0))
    result = denoise(tiny_model, noisy, **FAST)
    assert result.x.shape == (3, 1, 28, 28) and result.x.min() >= -1 and result.x.max() <= 1
    assert result.generated.shape == (3, 1, 28, 28) and result.class_probs.shape == (3, 10)
    assert all(found.kind == "mix" for found in result.noise)
    alone = torch.cat([denoise(tiny_model, noisy[i : i + 1], **FAST).x for i in range(3)])
    assert torch.allclose(result.x, alone, atol=1e-4)  # each image is its own problem
    with torch.inference_mode():
        assert torch.equal(denoise(tiny_model, noisy, **FAST).x, result.x)
    assert all(p.grad is None for p in tiny_model.parameters())


def test_pure_salt_and_pepper_keeps_every_pixel_that_is_not_0_or_255(tiny_model):
    images = np.clip(strokes(4).astype(int) + 40, 0, 254).astype(np.uint8)  # no clean pixel at 0 or 255
    noisy = add_noise(images, Noise(impulse=0.2), seed=3)
    out = to_uint8(denoise(tiny_model, to_tensor(noisy), noise="salt-pepper", impulse=0.2, **FAST).x)
    kept = (noisy != 0) & (noisy != 255)
    assert np.array_equal(out[kept], noisy[kept])


def test_told_levels_are_used_and_the_kinds_are_checked(tiny_model):
    noisy = to_tensor(add_noise(strokes(2), Noise(sigma=30), seed=0))
    assert [f.sigma for f in denoise(tiny_model, noisy, noise="gaussian", sigma=25.0, **FAST).noise] == [25.0, 25.0]
    assert all(f.impulse == 0 for f in denoise(tiny_model, noisy, noise="gaussian", **FAST).noise)
    assert all(f.sigma == 0 for f in denoise(tiny_model, noisy, noise="salt-pepper", **FAST).noise)


@pytest.mark.parametrize("change, message", [
    (dict(x=lambda x: x[0]), r"\[B, 1, 28, 28\]"),
    (dict(x=lambda x: x[:, :, :14]), r"\[B, 1, 28, 28\]"),
    (dict(x=lambda x: x * float("nan")), "NaN"),
    (dict(x=lambda x: torch.full_like(x, -1.0)), "all black"),
    (dict(sigma=200.0, noise="gaussian"), "from 0 to 128"),
    (dict(sigma=-3.0, noise="gaussian"), "from 0 to 128"),
    (dict(impulse=0.95, noise="salt-pepper"), "from 0 to 0.9"),
    (dict(impulse=0.1, noise="gaussian"), "does not go with"),
    (dict(sigma=10.0), "does not go with"),
    (dict(noise="speckle"), "noise must be one of"),
    (dict(steps=-1), "steps"),
    (dict(window=4), "window"),
])
def test_bad_input_is_refused_in_one_sentence(tiny_model, change, message):
    x = to_tensor(add_noise(strokes(2), Noise(sigma=30), seed=0))
    change = dict(change)
    x = change.pop("x", lambda x: x)(x)
    with pytest.raises(InputError, match=message) as caught:
        denoise(tiny_model, x, **{**FAST, **change})
    assert "\n" not in str(caught.value)


def test_text_models_are_refused(tiny_config):
    from dataclasses import replace

    from aegan.models import AEGAN

    with pytest.raises(InputError, match="class-conditional"):
        denoise(AEGAN(replace(tiny_config, condition="text")).eval(), to_tensor(strokes(1)))


def test_denoise_image_reads_any_picture(tiny_model):
    noisy = add_noise(strokes(1)[0], Noise(impulse=0.2), seed=0)
    big = np.repeat(np.kron(noisy, np.ones((2, 2), np.uint8))[..., None], 3, axis=2)  # 56x56 RGB
    out, found, probs, notes = denoise_image(tiny_model, big, **FAST)
    assert out.shape == (28, 28) and out.dtype == np.uint8 and probs.shape == (10,)
    assert any("resized" in n for n in notes) and found.sigma >= 0
    out, found, _, notes = denoise_image(tiny_model, strokes(1)[0], **FAST)
    assert found.kind == "none" and np.array_equal(out, strokes(1)[0]) and any("no noise" in n for n in notes)


def test_median_filter_is_pillows():
    image = np.zeros((28, 28), np.uint8)
    image[10, 10] = 255  # a lone salt pixel goes; a 3x3 block stays
    image[20:23, 20:23] = 200
    out = median_filter(image)
    assert out[10, 10] == 0 and out[21, 21] == 200


# --- with the shipped models (skipped without them) -------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_the_shipped_model_never_makes_a_clean_image_worse(dataset):
    model, images = shipped(dataset)
    clean = images[:32]
    blind = to_uint8(denoise(model, to_tensor(clean)).x)
    assert psnr(clean, blind) >= 45  # noise="auto" finds none on (almost) every clean image
    told = to_uint8(denoise(model, to_tensor(clean), noise="gaussian", sigma=8.0).x)
    assert psnr(clean, told) >= 30  # told of noise that is not there, it still changes little


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("noise", [Noise(sigma=40), Noise(impulse=0.25)])
def test_the_shipped_model_beats_the_noise_and_pillows_median_filter(dataset, noise):
    model, images = shipped(dataset)
    clean = images[:32]
    noisy = add_noise(clean, noise, seed=0)
    out = to_uint8(denoise(model, to_tensor(noisy)).x)
    filtered = np.stack([median_filter(image) for image in noisy])
    assert psnr(clean, out) > psnr(clean, noisy) + 5
    assert psnr(clean, out) > psnr(clean, filtered) + 2


# --- classical baselines and the evaluation rows ------------------------------------------------------------

def test_classical_oracle_and_evaluation_rows(tiny_model):
    pytest.importorskip("skimage")
    pytest.importorskip("pywt")
    from aegan.evaluate import denoise_settings, evaluate_denoise
    from aegan.metrics import Classifier
    from aegan.noise import CLASSICAL, best_classical, classical_denoise

    clean = strokes(4)
    noisy = add_noise(clean, Noise(sigma=40), seed=0)
    for name in CLASSICAL:
        setting, out = best_classical(name, clean, noisy)
        assert out.shape == clean.shape and out.dtype == np.uint8 and setting
        assert psnr(clean, out) > psnr(clean, noisy)
    with pytest.raises(ValueError, match="unknown classical method"):
        classical_denoise("bilateral", noisy, {})
    torch.manual_seed(0)
    classifier = Classifier(channels=4, feature_dim=8).eval()
    values, rows, note = evaluate_denoise(tiny_model, classifier, to_tensor(clean), torch.arange(4), n=4)
    assert len(rows) == 2 * len(denoise_settings()) + 2 and all(len(r) == 3 for r in rows)
    first = values[denoise_settings()[0].describe()]
    assert set(first["methods"]) == {"model", "model, blind", "noisy", *CLASSICAL}
    assert "worst_margin_db" in values and note.startswith("Denoising:")


# --- command line ---------------------------------------------------------------------------------------------

def run(*args):
    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_denoise_cli(tiny_checkpoint, tmp_path):
    clean = strokes(5)
    path, out = tmp_path / "noisy.npz", tmp_path / "clean.npz"
    np.savez(path, images=add_noise(clean, Noise(sigma=30), seed=0))
    result = run("denoise", "--model", tiny_checkpoint, "--input", path, "--out", out, "--batch-size", 2)
    assert result.returncode == 0, result.stderr
    assert "wrote 5 denoised images" in result.stderr and "gaussian" in result.stderr
    data = np.load(out)
    assert data["images"].shape == (5, 28, 28) and data["images"].dtype == np.uint8
    assert data["labels"].shape == (5,) and data["labels"].dtype == np.int64
    told = tmp_path / "told.npz"
    result = run("denoise", "--model", tiny_checkpoint, "--input", path, "--out", told, "--noise", "salt-pepper",
                 "--level", 15)
    assert result.returncode == 0 and "salt-pepper" in result.stderr, result.stderr
    np.savez(path, images=clean)
    assert run("denoise", "--model", tiny_checkpoint, "--input", path, "--out", out).returncode == 0
    assert np.array_equal(np.load(out)["images"], clean)  # nothing to remove


@pytest.mark.parametrize("images, args, message", [
    (strokes(2), ["--level", "40"], "--level needs --noise gaussian or salt-pepper"),
    (strokes(2), ["--noise", "gaussian", "--level", "500"], "from 1 to 128"),
    (strokes(2), ["--noise", "gaussian", "--level", "nan"], "from 1 to 128"),
    (strokes(2), ["--noise", "salt-pepper", "--level", "1" + "0" * 400], "from 1 to 90"),
    (strokes(2), ["--noise", "speckle"], "invalid choice"),
    (strokes(2), ["--batch-size", "0"], "--batch-size"),
    (np.zeros((2, 28, 28), np.uint8), [], "all black"),
    (strokes(2)[:, :14], [], "[N, 28, 28]"),
    (strokes(2).astype(np.float32), [], "uint8"),
])
def test_denoise_cli_bad_input(tiny_checkpoint, tmp_path, images, args, message):
    path = tmp_path / "in.npz"
    np.savez(path, images=images)
    result = run("denoise", "--model", tiny_checkpoint, "--input", path, "--out", tmp_path / "out.npz", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and len(result.stderr) < 300
    assert not (tmp_path / "out.npz").exists()


def test_timing_alone_replaces_only_the_time_rows(tiny_checkpoint):
    """`python -m aegan evaluate --only timing` re-measures the time rows (a quiet machine's figures) and leaves
    every quality figure as it was."""
    import json

    from aegan.evaluate import evaluate_timing_only

    rows = [{"metric": "precision (k=3)", "model": "0.856", "real": "0.866"},
            {"metric": "time to sample 64 images (median of 30)", "model": "999.0 ms", "real": ""},
            {"metric": "time to repair a batch of 1,000 images", "model": "999.0 s", "real": ""}]
    values = {"precision": 0.856, "sample_64_ms": 999.0, "repair": {"one_image_ms": 999.0, "hole": 1.0}}
    (tiny_checkpoint / "metrics.json").write_text(json.dumps({"values": values, "rows": rows, "notes": []}))
    times = evaluate_timing_only([str(tiny_checkpoint)])[tiny_checkpoint.name]
    result = json.loads((tiny_checkpoint / "metrics.json").read_text())
    assert result["rows"][0] == rows[0] and result["values"]["precision"] == 0.856
    assert result["values"]["repair"]["hole"] == 1.0  # the quality figures beside the times are kept
    assert result["values"]["sample_64_ms"] != 999.0 and result["values"]["repair"]["one_image_ms"] != 999.0
    assert [r["model"] for r in result["rows"][1:]] == [times[r["metric"]] for r in rows[1:]]
    assert "999.0" not in (tiny_checkpoint / "README.md").read_text()
