import numpy as np
import pytest
import torch
from PIL import Image

from aegan.errors import InputError
from aegan.images import make_grid, prepare_image, save_gif, to_tensor, to_uint8
from aegan.pipeline import encode, interpolate, realness, reconstruct, sample, spread_labels


def test_sample_is_deterministic_for_a_seed(tiny_model):
    a, ya = sample(tiny_model, 12, seed=7)
    b, yb = sample(tiny_model, 12, seed=7)
    c, _ = sample(tiny_model, 12, seed=8)
    assert torch.equal(a, b) and torch.equal(ya, yb)
    assert not torch.equal(a, c)


def test_labels_spread_evenly_or_fixed(tiny_model):
    _, y = sample(tiny_model, 25, seed=0)
    assert sorted(np.bincount(y.numpy()).tolist()) == [2] * 5 + [3] * 5
    assert torch.equal(spread_labels(10, 10), torch.arange(10))
    _, y = sample(tiny_model, 4, labels=3)
    assert y.tolist() == [3, 3, 3, 3]


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=0), "count"), (dict(n=-3), "count"), (dict(n=5, labels=10), "out of range"),
    (dict(n=5, labels=-1), "out of range"), (dict(n=5, truncation=-1.0), "truncation"),
    (dict(n=10**400), "count"), (dict(n=5, labels=10**400), "out of range"),  # no float holds 10**400
    (dict(n=5, seed=2**64), "seed"), (dict(n=5, seed=-1), "seed"), (dict(n=5, seed=2.5), "seed"),
    (dict(n=5, seed=float("nan")), "seed"), (dict(n=5, seed="7"), "seed"),
    (dict(n=5, labels=torch.tensor([1, 2])), "one label per image"), (dict(n=2, labels=[1, 12]), "out of range"),
])
def test_sample_rejects_bad_values(tiny_model, kwargs, message):
    with pytest.raises(InputError, match=message) as refused:
        sample(tiny_model, **kwargs)
    assert len(str(refused.value)) < 120  # the value is shown cut short, not 400 digits


def test_seeds_take_the_whole_64_bit_range(tiny_model):
    for seed in (0, 2**64 - 1, 3.0):
        assert sample(tiny_model, 2, seed=seed)[0].shape == (2, 1, 28, 28)


def test_truncation_zero_gives_one_image_per_class(tiny_model):
    x, _ = sample(tiny_model, 4, labels=2, truncation=0.0)
    assert torch.allclose(x[0], x[3])


def test_reconstruct_and_realness_shapes(tiny_model):
    x, y = sample(tiny_model, 6, seed=1)
    assert reconstruct(tiny_model, x).shape == x.shape
    # Handing over E's output (as Compare does, which also shows the code) gives the same reconstruction.
    assert torch.equal(reconstruct(tiny_model, x, encoded=encode(tiny_model, x)), reconstruct(tiny_model, x))
    p = realness(tiny_model, x, y)
    assert p.shape == (6,) and ((p >= 0) & (p <= 1)).all()


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_interpolation_hits_its_endpoints(tiny_model, method):
    z0, z1 = torch.randn(8), torch.randn(8)
    c0, c1 = torch.eye(10)[2], torch.eye(10)[7]
    walk = interpolate(tiny_model, (z0, c0), (z1, c1), torch.linspace(0, 1, 5), method=method)
    assert walk.shape == (5, 1, 28, 28)
    with torch.no_grad():
        ends = tiny_model.decode(torch.stack([z0, z1]), torch.tensor([2, 7]))
    assert torch.allclose(walk[0], ends[0], atol=1e-5) and torch.allclose(walk[-1], ends[1], atol=1e-5)


def test_uint8_round_trip():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    x = to_tensor(images)
    assert x.shape == (3, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert np.array_equal(to_uint8(x), images)


def test_save_gif_loops_forever_at_the_given_pace(tmp_path):
    frames = np.stack([np.full((28, 28), 40 * k, np.uint8) for k in range(5)])  # [T, 28, 28], all different
    path = tmp_path / "walk.gif"
    save_gif(frames, path, scale=2, frame_ms=50)
    with Image.open(path) as gif:
        assert gif.n_frames == 5 and gif.size == (56, 56)
        assert gif.info["loop"] == 0 and gif.info["duration"] == 50  # loop 0 = forever
        gif.seek(3)
        assert np.asarray(gif.convert("L"))[0, 0] == 120
    for bad in (frames[0], frames[:0], frames.astype(np.float32)):  # one frame without T, no frames, not uint8
        with pytest.raises(InputError, match="GIF frames"):
            save_gif(bad, tmp_path / "bad.gif")


def test_grid_layout():
    grid = make_grid(np.full((12, 28, 28), 255, np.uint8), columns=5, padding=2)
    assert grid.shape == (3 * 30 + 2, 5 * 30 + 2)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "I;16", "1", "LA"])
def test_prepare_image_accepts_any_mode(mode):
    image = Image.new("L", (100, 60), 255)  # white page ...
    image.paste(0, (40, 10, 60, 50))  # ... with a dark stroke
    prepared, notes = prepare_image(image.convert(mode))
    assert prepared.shape == (28, 28) and prepared.dtype == np.uint8
    assert prepared[14, 14] > 128 and prepared[0, 0] < 30  # light ink on dark, as the models expect
    assert any("resized" in n for n in notes)


def test_prepare_image_refuses_garbage():
    with pytest.raises(InputError):
        prepare_image(np.full((28, 28), np.nan))
    with pytest.raises(InputError):
        prepare_image(np.zeros((0, 5)))
    with pytest.raises(InputError):
        prepare_image("not an image")


def test_latents_are_drawn_at_the_models_calibrated_scale(tiny_config):
    from dataclasses import replace

    from aegan.models import AEGAN
    from aegan.pipeline import draw_latents

    plain, wide = AEGAN(tiny_config), AEGAN(replace(tiny_config, z_scale=1.5))
    z = draw_latents(plain, 6, seed=3)
    assert torch.equal(z, torch.randn(6, tiny_config.latent_dim, generator=torch.Generator().manual_seed(3)))
    assert torch.allclose(draw_latents(wide, 6, seed=3), 1.5 * z)
    assert torch.allclose(draw_latents(wide, 6, seed=3, truncation=0.5), 0.75 * z)
    with pytest.raises(InputError, match="truncation"):
        draw_latents(plain, 2, truncation=2.5)


def test_prepare_image_turns_a_photo_upright_by_its_exif_orientation():
    """A phone photo: pixels stored sideways, EXIF orientation 6 (the viewer turns it 90 degrees clockwise).
    The stored top rows are bright, so upright they are the right-hand columns."""
    import io

    stored = np.zeros((28, 28), np.uint8)
    stored[:4] = 255
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif)
    array, notes = prepare_image(Image.open(buffer))
    assert "turned upright, as its EXIF orientation says" in notes
    assert array[:, -4:].min() == 255 and array[:, :-4].max() == 0
    assert prepare_image(Image.fromarray(stored))[0][:4].min() == 255  # no tag: as stored
