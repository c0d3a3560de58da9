import json
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from aegan.config import ModelConfig
from aegan.errors import CheckpointError
from aegan.models import AEGAN, ConditionalBatchNorm, MinibatchStd, load_model


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


def test_minibatch_std_lets_d_see_a_batch_without_variety():
    layer = MinibatchStd(4)
    varied = torch.randn(8, 3, 4, 4)
    same = varied[:1].expand(8, 3, 4, 4).contiguous()
    out_varied, out_same = layer(varied), layer(same)
    assert out_varied.shape == (8, 4, 4, 4)
    assert torch.equal(out_varied[:, :3], varied)  # the features pass through unchanged
    assert out_same[:, 3].max() < 1e-3 < out_varied[:, 3].min()  # identical images: no spread
    # The spread: each feature's standard deviation over the group (image i is in group i % 2), averaged.
    spread = varied.view(4, 2, 3, 4, 4).std(dim=0, unbiased=False).mean(dim=(1, 2, 3)).repeat(4)
    assert torch.allclose(out_varied[:, 3, 0, 0], spread, atol=1e-5)
    assert layer(varied.bfloat16()).dtype == torch.bfloat16  # computed in float32, returned in the features' type
    # Any batch size works (groups shrink to a divisor); a single image has no spread to measure.
    assert layer(varied[:3]).shape == (3, 4, 4, 4) and layer(varied[:1])[:, 3].max() < 1e-3
    config = ModelConfig(latent_dim=8, base_channels=8, condition_dim=8, discriminator_features=16, minibatch_std=4)
    model = AEGAN(config).eval()
    assert model.judge(torch.zeros(5, 1, 28, 28), torch.arange(5)).shape == (5,)


def test_generator_and_discriminator_widths_are_set_apart(tiny_config, tmp_path):
    """generator_channels widens G alone and discriminator_channels D alone (sampling pays for G's width,
    training for all three); left out, both take base_channels as every model before them did, so older
    config.json files load unchanged."""
    plain = AEGAN(tiny_config)
    assert plain.generator.up2.out_channels == plain.discriminator.features[0].out_channels == tiny_config.base_channels
    wide = AEGAN(replace(tiny_config, generator_channels=12, discriminator_channels=16)).eval()
    assert (wide.generator.up1.in_channels, wide.generator.up1.out_channels, wide.generator.up2.out_channels) \
        == (48, 24, 12)
    assert [layer.out_channels for layer in wide.discriminator.features if isinstance(layer, torch.nn.Conv2d)] \
        == [16, 32, 64]
    assert [p.shape for p in wide.encoder.parameters()] == [p.shape for p in plain.encoder.parameters()]  # E as before
    wide.save_pretrained(tmp_path)
    loaded = load_model(tmp_path)
    z, y = torch.randn(3, 8), torch.arange(3)
    with torch.no_grad():
        x = wide.decode(z, y)
        assert torch.equal(x, loaded.decode(z, y)) and torch.equal(wide.judge(x, y), loaded.judge(x, y))


def test_generator_runs_channels_last_inside_and_hands_back_the_usual_layout(tiny_model):
    """G keeps its feature maps channels-last (faster transposed convolutions on CPU): the same values as
    the usual layout, and the images it returns are plain contiguous tensors."""
    g = tiny_model.generator
    z, y = torch.randn(4, 8), torch.arange(4)
    with torch.no_grad():
        c = g.condition(y)
        h = g.start(z, c)
        assert h.is_contiguous(memory_format=torch.channels_last)
        x = g.draw(h, c)
        plain = g.draw(h.contiguous(), c)
    assert x.is_contiguous() and x.shape == (4, 1, 28, 28)
    torch.testing.assert_close(x, plain, rtol=1e-5, atol=1e-5)


def test_class_names_come_from_the_config_then_the_dataset(tiny_config):
    assert AEGAN(tiny_config).class_names == [f"stroke {k}" for k in range(10)]
    assert AEGAN(replace(tiny_config, dataset="fashion-mnist", class_names=[])).class_names[7] == "sneaker"
    assert AEGAN(replace(tiny_config, dataset="elsewhere", class_names=[])).class_names == [str(k) for k in range(10)]
    model = AEGAN(tiny_config)
    model.class_names.append("extra")  # a copy: the config is not changed through it
    assert len(model.config.class_names) == 10
    with pytest.raises(AttributeError):
        model.class_names = ["a"]


def test_mixtures_of_classes_are_the_models_own_projection(tiny_model):
    """decode_mixture / judge_mixture give exactly what the pipeline and repair computed outside the model
    before, and one-hot weights give exactly the class-id path."""
    torch.manual_seed(1)
    z, x = torch.randn(4, 8), torch.rand(4, 1, 28, 28) * 2 - 1
    weights = torch.softmax(torch.randn(4, 10), dim=1)
    g, d = tiny_model.generator, tiny_model.discriminator
    with torch.no_grad():
        old_x = g.forward_embedded(z, weights @ g.condition.embed.weight, torch.tensor([0.0, 0.3, 1.0, 1.0]))
        h = d.features(x)
        old_logit = d.to_logit(h).squeeze(1) + (d.project_condition(weights @ d.condition.embed.weight) * h).sum(dim=1)
        assert torch.equal(tiny_model.decode_mixture(z, weights, encoded=torch.tensor([0.0, 0.3, 1.0, 1.0])), old_x)
        assert torch.equal(tiny_model.judge_mixture(x, weights), old_logit)
        y = torch.tensor([0, 3, 5, 9])
        one_hot = F.one_hot(y, 10).float()
        assert torch.equal(tiny_model.decode_mixture(z, one_hot, encoded=1.0), tiny_model.decode(z, y, encoded=1.0))
        assert torch.equal(tiny_model.judge_mixture(x, one_hot), tiny_model.judge(x, y))


@pytest.mark.parametrize("encoded", [0.0, 1.0, "per-row"])
def test_conditional_batch_norm_at_inference_is_the_textbook_formula(encoded):
    """Inference folds normalising and conditioning into one multiply-add; it must equal the plain form:
    (h - mean) / sqrt(var + eps) * (1 + scale) + shift, with statistics blended by `encoded`."""
    torch.manual_seed(0)
    norm = ConditionalBatchNorm(6, condition_dim=4).eval()
    for buffer in (norm.norm.running_mean, norm.encoded_mean):
        buffer.copy_(torch.randn(6))
    for buffer in (norm.norm.running_var, norm.encoded_var):
        buffer.copy_(torch.rand(6) + 0.5)
    torch.nn.init.normal_(norm.scale_shift.weight)  # zero at init: make the condition matter
    h, c = torch.randn(3, 6, 5, 5), torch.randn(3, 4)
    w = torch.tensor([0.0, 0.3, 1.0]) if encoded == "per-row" else torch.full((3,), encoded)
    mean = torch.lerp(norm.norm.running_mean, norm.encoded_mean, w[:, None])[:, :, None, None]
    var = torch.lerp(norm.norm.running_var, norm.encoded_var, w[:, None])[:, :, None, None]
    scale, shift = norm.scale_shift(c)[:, :, None, None].chunk(2, dim=1)
    expected = (h - mean) / torch.sqrt(var + norm.norm.eps) * (1 + scale) + shift
    with torch.no_grad():
        got = norm(h, c, w if encoded == "per-row" else encoded)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


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

