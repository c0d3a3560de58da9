"""The seed's other families (issue 18): the AE, the VAE and the GAN as AEGAN modules with only their parts, the
pipeline on each, and the one-sentence refusals of what a family cannot do."""

import pytest
import torch

from aegan.config import ModelConfig
from aegan.errors import InputError
from aegan.families import NO_ENCODER, can, family, has_discriminator, has_encoder, is_conditional
from aegan.models import AEGAN, load_model
from aegan.pipeline import UNLABELLED, draw_latents, encode, interpolate, realness, reconstruct, sample
from aegan.walk import Endpoint, Walk, draw

from conftest import TINY

FAMILIES = ["aegan", "ae", "vae", "gan"]


def tiny(kind: str) -> AEGAN:
    torch.manual_seed(0)
    return AEGAN(ModelConfig(family=kind, dataset="synthetic", **TINY)).eval()


@pytest.mark.parametrize("kind", FAMILIES)
def test_each_family_holds_only_its_parts(kind, tmp_path):
    model = tiny(kind)
    parts = {name.split(".")[0] for name in model.state_dict()}
    expected = {"aegan": {"encoder", "generator", "discriminator"}, "ae": {"encoder", "generator"},
                "vae": {"encoder", "generator"}, "gan": {"generator", "discriminator"}}[kind]
    assert parts == expected
    assert family(model) == kind and has_encoder(model) == (kind != "gan")
    assert has_discriminator(model) == (kind in ("aegan", "gan")) and is_conditional(model) == (kind == "aegan")
    names = set(model.state_dict())
    # only the AE-GAN's encoder has a class head; the AE's encoder predicts a mean only
    assert ("encoder.to_class.weight" in names) == (kind == "aegan")
    if kind == "ae":
        assert model.state_dict()["encoder.to_latent.weight"].shape[0] == model.config.latent_dim
    # unconditional models have no condition parameters at all (nothing untrained is shipped)
    assert kind == "aegan" or not any(".condition." in n or "scale_shift" in n or "project_condition" in n
                                      for n in names)
    # save -> load -> the same images, and the family survives config.json
    model.save_pretrained(tmp_path / kind)
    loaded = load_model(tmp_path / kind)
    assert family(loaded) == kind
    assert torch.equal(sample(model, 6, seed=3)[0], sample(loaded, 6, seed=3)[0])


@pytest.mark.parametrize("kind", FAMILIES)
def test_every_family_samples_and_walks(kind):
    model = tiny(kind)
    x, y = sample(model, 7, seed=1)
    assert x.shape == (7, 1, 28, 28) and x.abs().max() <= 1
    assert torch.equal(x, sample(model, 7, seed=1)[0]) and not torch.equal(x, sample(model, 7, seed=2)[0])
    if kind == "aegan":
        assert y.tolist() == [0, 1, 2, 4, 5, 7, 8]
    else:
        assert (y == UNLABELLED).all()
    z = draw_latents(model, 2, seed=0)
    one_hot = torch.eye(10)
    walk = interpolate(model, (z[0], one_hot[2]), (z[1], one_hot[5]), torch.linspace(0, 1, 5))
    assert walk.shape == (5, 1, 28, 28)
    # the ends of a walk are the samples themselves (both from the prior here)
    assert torch.allclose(walk[0], model.decode(z[:1], None if kind != "aegan" else torch.tensor([2]))[0], atol=1e-5)


@pytest.mark.parametrize("kind", ["aegan", "ae", "vae"])
def test_encoder_families_reconstruct_and_walk_between_images(kind):
    model = tiny(kind)
    x, _ = sample(tiny("aegan"), 4, seed=0)
    z, probabilities = encode(model, x)
    assert z.shape == (4, 8) and probabilities.shape == (4, 10)
    if kind != "aegan":  # no class head: no opinion
        assert torch.allclose(probabilities, torch.full((4, 10), 0.1))
    assert reconstruct(model, x).shape == (4, 1, 28, 28)
    a, b = Endpoint.of(z[0], 0, encoded=True), Endpoint.of(z[1], 0, encoded=True)
    frames = draw(model, Walk(a, b, method="lerp"), torch.linspace(0, 1, 3))
    assert torch.allclose(frames[0], reconstruct(model, x[:1])[0], atol=1e-5) or kind == "aegan"


def test_the_gan_refuses_what_needs_an_encoder():
    from aegan.denoise import denoise
    from aegan.repair import repair
    from aegan.style import analogy

    model = tiny("gan")
    x, _ = sample(model, 2, seed=0)
    for call in (lambda: encode(model, x), lambda: reconstruct(model, x), lambda: model.encode(x),
                 lambda: repair(model, x, torch.ones_like(x)), lambda: denoise(model, x), lambda: analogy(model, x)):
        with pytest.raises(InputError) as error:
            call()
        assert str(error.value) == NO_ENCODER
    assert realness(model, x, torch.zeros(2, dtype=torch.long)).shape == (2,)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_autoencoders_refuse_class_tasks_and_judging(kind):
    from aegan.denoise import denoise
    from aegan.repair import repair
    from aegan.style import analogy

    model = tiny(kind)
    x, _ = sample(model, 2, seed=0)
    for call, words in [(lambda: repair(model, x, torch.ones_like(x)), "repair needs the AE-GAN"),
                        (lambda: denoise(model, x), "denoise needs the AE-GAN"),
                        (lambda: analogy(model, x), "style transfer needs the AE-GAN"),
                        (lambda: realness(model, x, torch.zeros(2, dtype=torch.long)), "no discriminator"),
                        (lambda: sample(model, 2, labels=3), "unconditional")]:
        with pytest.raises(InputError, match=words) as error:
            call()
        assert "\n" not in str(error.value)


def test_family_config_rules():
    assert ModelConfig().family == "aegan" and ModelConfig().condition == "class"
    ae = ModelConfig(family="ae")
    assert (ae.condition, ae.condition_dim) == ("none", 0)
    with pytest.raises(ValueError, match="family must be"):
        ModelConfig(family="diffusion")
    with pytest.raises(ValueError, match="takes condition none"):
        ModelConfig(family="gan", condition="text")
    with pytest.raises(ValueError, match="takes condition class or text"):
        ModelConfig(condition="none")
    assert can("vae", "reconstruct") and not can("gan", "reconstruct") and can("gan", "sample")
