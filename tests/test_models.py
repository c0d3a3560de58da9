import json

import pytest
import torch

from aegan.config import ModelConfig
from aegan.errors import CheckpointError
from aegan.models import AEGAN, load_model


def test_shapes(tiny_model, tiny_config):
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    y = torch.arange(5)
    mean, logvar, logits = tiny_model.encode(x)
    assert mean.shape == logvar.shape == (5, tiny_config.latent_dim)
    assert logits.shape == (5, 10)
    out = tiny_model.decode(mean, y)
    assert out.shape == (5, 1, 28, 28) and out.min() >= -1 and out.max() <= 1
    assert tiny_model.judge(x, y).shape == (5,)


def test_text_condition_plugs_in():
    model = AEGAN(ModelConfig(condition="text", latent_dim=8, base_channels=8, condition_dim=8,
                              discriminator_features=16)).eval()
    text = torch.randn(3, 384)
    assert model.decode(torch.randn(3, 8), text).shape == (3, 1, 28, 28)
    assert model.judge(torch.zeros(3, 1, 28, 28), text).shape == (3,)


def test_save_load_gives_identical_output(tiny_model, tiny_checkpoint):
    assert {"config.json", "model.safetensors"} <= {p.name for p in tiny_checkpoint.iterdir()}
    loaded = load_model(tiny_checkpoint)
    z, y = torch.randn(4, 8), torch.tensor([0, 3, 5, 9])
    with torch.no_grad():
        assert torch.equal(tiny_model.decode(z, y), loaded.decode(z, y))
        x = tiny_model.decode(z, y)
        assert torch.equal(tiny_model.judge(x, y), loaded.judge(x, y))
    assert loaded.config == tiny_model.config


def test_missing_folder_is_one_line(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint folder not found"):
        load_model(tmp_path / "nope")


def test_missing_weights(tiny_checkpoint):
    (tiny_checkpoint / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="model.safetensors: file is missing"):
        load_model(tiny_checkpoint)


def test_truncated_weights(tiny_checkpoint):
    weights = tiny_checkpoint / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="model.safetensors"):
        load_model(tiny_checkpoint)


def test_config_that_does_not_match_weights(tiny_checkpoint):
    config = json.loads((tiny_checkpoint / "config.json").read_text())
    config["base_channels"] = 16
    (tiny_checkpoint / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="do not match config.json"):
        load_model(tiny_checkpoint)


def test_garbled_config(tiny_checkpoint):
    (tiny_checkpoint / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json: not valid JSON"):
        load_model(tiny_checkpoint)
