"""The Compare tab's library side (issue 18): the latent map's geometry (aegan/latent_map.py) and the families on
the same input (aegan/compare.py), on tiny untrained models. The tab itself, through the real server, is in
test_app.py and test_hostile.py; the map's click in a browser in test_browser.py."""

import json

import numpy as np
import pytest
import torch

from aegan.compare import closest, decode, measured, sample_bank, walk
from aegan.config import ModelConfig
from aegan.errors import InputError
from aegan.images import to_tensor
from aegan.latent_map import CLASS_COLOURS, build_map, draw_at, fraction_of_pixel, map_of, render, with_mark
from aegan.models import AEGAN
from aegan.pipeline import encode, reconstruct

from conftest import TINY


def tiny(kind: str) -> AEGAN:
    torch.manual_seed(0)
    return AEGAN(ModelConfig(family=kind, dataset="synthetic", **TINY)).eval()


def strokes(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    from aegan.data import load_dataset

    data = load_dataset("synthetic", "test")
    return data.images[:n], data.labels[:n]


def test_the_map_is_the_plane_of_the_codes_two_main_directions():
    generator = torch.Generator().manual_seed(0)
    # codes that vary mostly along two known directions of an 8-D space
    z = torch.randn(400, 8, generator=generator) * torch.tensor([5.0, 3.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    labels = np.arange(400) % 10
    latent_map = build_map(z + 2.0, labels)
    assert torch.allclose(latent_map.mean, (z + 2.0).mean(dim=0))
    assert abs(float(latent_map.axes[0, 0].abs()) - 1) < 0.01 and abs(float(latent_map.axes[1, 1].abs()) - 1) < 0.01
    assert latent_map.explained[0] > latent_map.explained[1] > 0.2 and sum(latent_map.explained) > 0.99
    assert latent_map.points.shape == (400, 2) and np.array_equal(latent_map.labels, labels)
    u0, u1, v0, v1 = latent_map.extent
    assert u1 - u0 == pytest.approx(v1 - v0)  # one scale on both axes: distances on the map are honest


def test_a_click_and_its_point_round_trip():
    latent_map = build_map(torch.randn(100, 6, generator=torch.Generator().manual_seed(1)), np.zeros(100))
    for fx, fy in ((0.0, 0.0), (1.0, 1.0), (0.25, 0.75)):
        u, v = latent_map.from_fraction(fx, fy)
        assert np.allclose(latent_map.to_fraction(np.array([[u, v]]))[0], (fx, fy))
        code = latent_map.code_at(u, v)  # on the plane: its projection is the point, its other components the mean
        assert np.allclose(latent_map.to_plane(code)[0], (u, v), atol=1e-5)
    top_left, bottom_left = latent_map.from_fraction(0, 0), latent_map.from_fraction(0, 1)
    assert top_left[1] > bottom_left[1]  # v grows upwards, as on a chart
    nearest = latent_map.nearest(*latent_map.points[17])
    assert np.allclose(latent_map.points[nearest], latent_map.points[17])
    for bad in (1.5, -0.1, float("nan"), "0.5", None, True):
        with pytest.raises(InputError, match="fraction from 0 to 1"):
            latent_map.from_fraction(bad, 0.5)
    # A click's pixel on the rendered picture: render's rule inverted, the picture's last pixel the map's edge.
    assert [fraction_of_pixel(p, 321) for p in (0, 80, 320, 400, -3)] == [0.0, 0.25, 1.0, 1.0, 0.0]


def test_a_map_needs_codes():
    with pytest.raises(InputError, match="at least 3 codes"):
        build_map(torch.zeros(2, 4), [0, 1])


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_map_of_a_model_and_what_its_decoder_draws_there(kind):
    model = tiny(kind)
    images, labels = strokes()
    latent_map = map_of(model, images, labels)
    z, _ = encode(model, to_tensor(images))
    assert np.allclose(latent_map.to_plane(z), latent_map.points, atol=1e-5)
    u, v = latent_map.from_fraction(0.4, 0.6)
    x = draw_at(model, latent_map, u, v)
    assert x.shape == (1, 1, 28, 28)
    assert torch.equal(x, decode(model, latent_map.code_at(u, v)))
    assert not torch.equal(x, draw_at(model, latent_map, *latent_map.from_fraction(0.9, 0.1)))


def test_the_map_picture_and_the_users_mark():
    latent_map = build_map(torch.randn(50, 4, generator=torch.Generator().manual_seed(2)), np.arange(50) % 10)
    picture = render(latent_map, 200)
    assert picture.shape == (200, 200, 3) and picture.dtype == np.uint8
    colours = {tuple(int(CLASS_COLOURS[k][i : i + 2], 16) for i in (1, 3, 5)) for k in range(10)}
    seen = {tuple(p) for p in picture.reshape(-1, 3)}
    assert len(colours & seen) == 10  # every class has its colour
    assert not (picture == 0).all(axis=2).any()  # no black before the mark
    marked, on_map = with_mark(picture, latent_map, latent_map.points[0])
    assert on_map and (marked == 0).all(axis=2).any() and not (picture == 0).all(axis=2).any()  # a copy
    far = np.array([latent_map.extent[1] * 10, 0.0])
    _, on_map = with_mark(picture, latent_map, far)
    assert not on_map  # pinned to the edge, and said so


def test_the_gan_cannot_walk_but_searches_its_samples():
    gan, ae = tiny("gan"), tiny("ae")
    images, _ = strokes(2)
    a, b = to_tensor(images[:1]), to_tensor(images[1:2])
    with pytest.raises(InputError, match="no encoder"):
        walk(gan, a, b)
    bank = sample_bank(gan, 32, seed=0)
    assert torch.equal(bank, sample_bank(gan, 32, seed=0)) and bank.shape == (32, 1, 28, 28)
    assert closest(bank, bank[5:6]) == 5
    frames = walk(ae, a, b, 5)
    assert frames.shape == (5, 1, 28, 28)
    assert torch.allclose(frames[0], reconstruct(ae, a)[0], atol=1e-5)  # the walk starts at the AE's copy of A
    assert torch.allclose(frames[-1], reconstruct(ae, b)[0], atol=1e-5)


def test_the_aegan_walks_between_the_classes_its_encoder_reads():
    model = tiny("aegan")
    images, _ = strokes(2)
    a, b = to_tensor(images[:1]), to_tensor(images[1:2])
    frames = walk(model, a, b, 3)
    assert torch.allclose(frames[0], reconstruct(model, a)[0], atol=1e-5)
    with pytest.raises(InputError, match="give the labels"):
        decode(model, torch.zeros(1, model.config.latent_dim))


def test_measured_figures_read_from_the_checkpoint(tmp_path):
    assert all(value is None for value in measured(tmp_path).values())  # nothing measured: nothing made up
    (tmp_path / "metrics.json").write_text(json.dumps({"values": {"frechet_distance": 3.4, "precision": True,
                                                                  "recall": "0.6", "sample_64_ms": 17}}))
    (tmp_path / "training.json").write_text(json.dumps({"training_seconds": 3494.9}))
    figures = measured(tmp_path)
    assert figures["frechet_distance"] == 3.4 and figures["sample_64_ms"] == 17.0
    assert figures["precision"] is None and figures["recall"] is None  # not numbers: not measured
    assert figures["reconstruction_psnr_db"] is None and figures["training_seconds"] == 3494.9
    (tmp_path / "metrics.json").write_text("{broken")
    assert measured(tmp_path)["frechet_distance"] is None
