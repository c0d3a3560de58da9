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


# --- training and exporting each family (tiny presets), the command line, the evaluation ------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Each tiny family trained by its preset (4 steps) and exported as the checkpoints of dataset 'synthetic':
    synthetic-ae, -vae, -gan, and the tiny AE-GAN as synthetic-cgan. -> (checkpoints folder, runs folder)."""
    from training.__main__ import main as training_main

    root = tmp_path_factory.mktemp("families")
    common = ["--runs-dir", str(root / "runs"), "--checkpoints-dir", str(root / "checkpoints"), "--no-progress"]
    for preset, name in [("tiny-ae", "synthetic-ae"), ("tiny-vae", "synthetic-vae"), ("tiny-gan", "synthetic-gan"),
                         ("tiny", "synthetic-cgan")]:
        assert training_main(["train", "--preset", preset, "--export", name, *common]) == 0
    return root / "checkpoints", root / "runs"


@pytest.mark.parametrize("kind", ["ae", "vae", "gan"])
def test_presets_train_only_their_stages_and_export(trained, kind):
    import json

    from aegan.film import load_film

    checkpoints, runs = trained
    run = next(runs.glob(f"*-tiny-{kind}"))
    stats = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    expected = {"ae": {"mse"}, "vae": {"mse", "kl"},
                "gan": {"d_loss", "d_loss_real", "d_loss_fake", "g_adv", "d_real", "d_fake"}}[kind]
    assert all(set(s) - {"step", "stage", "epoch", "images_per_second", "elapsed_seconds"} == expected for s in stats)
    assert {s["stage"] for s in stats} == {"gan" if kind == "gan" else "ae"}
    folder = checkpoints / f"synthetic-{kind}"
    model = load_model(folder)
    assert family(model) == kind
    assert set(model.state_dict()) == set(tiny(kind).state_dict())  # no part the family lacks is shipped
    film = load_film(folder)
    assert film.gan_start == (0 if kind == "gan" else film.total_steps) and len(film.steps) >= 2
    names = {"ae": {"L_rec"}, "vae": {"L_rec", "KL"}, "gan": {"L_D", "L_D_real", "L_D_fake", "L_G"}}[kind]
    assert set(film.losses) == names and bool(film.d_scores) == (kind == "gan")
    assert (folder / "latent_directions.safetensors").exists() == (kind != "gan")
    card = (folder / "README.md").read_text()
    assert f"--preset tiny-{kind}`" in card and "only" in card and "AE-GAN (variational" not in card
    training = json.loads((folder / "training.json").read_text())
    assert training["options"]["model"]["family"] == kind


def test_a_family_refuses_the_other_stage():
    from training.config import preset

    with pytest.raises(InputError, match="no discriminator, so no GAN stage"):
        preset("tiny-vae", gan_steps=3)
    with pytest.raises(InputError, match="no encoder, so no autoencoder stage"):
        preset("tiny-gan", ae_steps=3)


def cli(*args):
    """The real command line, as a process: -> CompletedProcess (returncode, stderr)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def main(capsys):
    """The command line's main() in this process (many calls, without a new interpreter each):
    main(*args) -> (exit status, stderr)."""
    from types import SimpleNamespace

    from aegan.__main__ import main as aegan_main

    def run(*args):
        code = aegan_main([str(a) for a in args])
        return SimpleNamespace(returncode=code, stderr=capsys.readouterr().err)

    return run


def test_cli_on_the_families(trained, tmp_path, main):
    import numpy as np

    checkpoints, _ = trained
    gan, vae, ae = (checkpoints / f"synthetic-{k}" for k in ("gan", "vae", "ae"))
    out = tmp_path / "gan.npz"
    result = cli("sample", "--model", gan, "--n", 5, "--seed", 2, "--out", out)  # the real process, once
    assert result.returncode == 0, result.stderr
    data = np.load(out)
    assert data["images"].shape == (5, 28, 28) and data["labels"].tolist() == [-1] * 5
    images = tmp_path / "images.npz"
    np.savez(images, images=data["images"])
    for model in (vae, ae):
        result = main("reconstruct", "--model", model, "--input", images, "--out", tmp_path / "rec.npz")
        assert result.returncode == 0, result.stderr
        rec = np.load(tmp_path / "rec.npz")
        assert rec["images"].shape == (5, 28, 28) and rec["labels"].tolist() == [-1] * 5
    walk = tmp_path / "walk.npz"
    assert main("interpolate", "--model", vae, "--steps", 4, "--out", walk).returncode == 0
    assert np.load(walk)["images"].shape == (4, 28, 28)
    result = main("reconstruct", "--model", checkpoints / "synthetic-cgan", "--input", images,
                  "--out", tmp_path / "c.npz")
    assert result.returncode == 0 and set(np.load(tmp_path / "c.npz")["labels"].tolist()) <= set(range(10))


def test_cli_refuses_what_a_family_cannot_do_in_one_line(trained, tmp_path, main):
    import numpy as np

    checkpoints, _ = trained
    gan, vae = checkpoints / "synthetic-gan", checkpoints / "synthetic-vae"
    images, masked, prompts = tmp_path / "images.npz", tmp_path / "masked.npz", tmp_path / "prompts.txt"
    np.savez(images, images=np.zeros((2, 28, 28), np.uint8))
    np.savez(masked, images=np.zeros((2, 28, 28), np.uint8), masks=np.ones((2, 28, 28), np.uint8))
    prompts.write_text("a shoe\n")
    out = ["--out", tmp_path / "out.npz"]
    for args, words in [
        (["reconstruct", "--model", gan, "--input", images], "the GAN has no encoder"),
        (["repair", "--model", gan, "--input", masked], "the GAN has no encoder"),
        (["denoise", "--model", gan, "--input", images], "the GAN has no encoder"),
        (["analogy", "--model", gan, "--input", images], "the GAN has no encoder"),
        (["repair", "--model", vae, "--input", masked], "repair needs the AE-GAN"),
        (["denoise", "--model", vae, "--input", images], "denoise needs the AE-GAN"),
        (["analogy", "--model", vae, "--input", images], "needs the AE-GAN"),
        (["text2img", "--model", gan, "--prompts", prompts], "not a text-to-image model"),
        (["sample", "--model", gan, "--n", 2, "--label", 3], "unconditional"),
        (["interpolate", "--model", vae, "--from-label", 1], "unconditional"),
    ]:
        result = main(*args, *out)
        assert result.returncode == 2, (args, result.stderr)
        assert words in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args
    assert not (tmp_path / "out.npz").exists()


def test_families_are_measured_alike(trained, tmp_path, monkeypatch):
    import json

    import aegan.evaluate as evaluate
    import aegan.metrics as metrics
    from aegan.metrics import Classifier

    checkpoints, _ = trained
    torch.manual_seed(0)
    Classifier(channels=4, feature_dim=8).save_pretrained(tmp_path / "classifiers" / "synthetic")
    monkeypatch.setattr(metrics, "CLASSIFIERS_DIR", tmp_path / "classifiers")
    monkeypatch.setattr(evaluate, "CHECKPOINTS", checkpoints)
    monkeypatch.setattr(evaluate, "RESULTS", tmp_path / "docs" / "RESULTS.md")
    old = {"values": {"frechet_distance": 123.0}, "rows": [], "notes": []}  # the AE-GAN's, from before the families
    (checkpoints / "synthetic-cgan" / "metrics.json").write_text(json.dumps(old))
    found = evaluate.evaluate_families("synthetic", samples=40)
    assert not found["missing"] and set(found["figures"]) == {"ae", "vae", "gan", "aegan"}
    merged = json.loads((checkpoints / "synthetic-cgan" / "metrics.json").read_text())["values"]
    assert merged["frechet_distance"] == 123.0 and "diversity_ratio_all" in merged  # gains only what it lacked
    for kind in ("ae", "vae", "gan"):
        result = json.loads((checkpoints / f"synthetic-{kind}" / "metrics.json").read_text())
        values = result["values"]
        assert values["family"] == kind and values["generated_images"] == 40
        assert ("reconstruction_psnr_db" in values) == (kind != "gan")
        assert all(k in values for k in ("frechet_distance", "precision", "recall", "diversity_ratio_all",
                                         "rarest_class_share", "sample_64_ms"))
        card = (checkpoints / f"synthetic-{kind}" / "README.md").read_text()
        assert "diversity over all images vs real" in card and "Not measured yet" not in card
    text = (tmp_path / "docs" / "RESULTS.md").read_text()
    section = text.split("## The seed's families compared (synthetic)")[1]
    for name in ("| autoencoder |", "| VAE |", "| GAN |", "| AE-GAN |", "| held-out real images |"):
        assert name in section
    assert "**Reading**" in section and "- Frechet distance: AE-GAN" in section and "TODO" not in section
    # a rewrite from scratch of the models' sections keeps the comparison
    evaluate._write_results({"synthetic-ae": result})
    assert "## The seed's families compared (synthetic)" in (tmp_path / "docs" / "RESULTS.md").read_text()
