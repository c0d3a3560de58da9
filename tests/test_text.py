import subprocess
import sys

import numpy as np
import pytest
import torch

from aegan.captions import build_bank, caption_texts
from aegan.errors import InputError
from aegan.evaluate import heldout_prompts
from aegan.models import load_model
from aegan.prompt import MAX_PROMPT_CHARS, check_prompt
from aegan.text import load_text_encoder, text_to_image
from training.config import preset
from training.export import export_run
from training.loop import train


@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
def test_caption_bank_is_deterministic_and_covers_every_class(dataset):
    a, b = build_bank(dataset, seed=0), build_bank(dataset, seed=0)
    assert a.texts == b.texts and np.array_equal(a.attributes, b.attributes)
    assert set(a.classes.tolist()) == set(range(10))
    assert len(set(a.texts)) == len(a.texts) > 5000
    assert (a.attributes != 0).any(axis=1).mean() > 0.5  # most captions name some attribute
    assert build_bank(dataset, seed=1).texts != a.texts


@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
def test_heldout_prompts_are_unseen(dataset):
    prompts = heldout_prompts(dataset)
    assert all(sum(label == k for label, _ in prompts) >= 10 for k in range(10))
    bank = {text.lower() for text in caption_texts(dataset)}
    assert not any(p.lower() in bank for _, p in prompts)  # never a sentence the model was trained on
    assert not any(p.lower() in bank for _, p in heldout_prompts(dataset, "reasoning"))


@pytest.mark.parametrize("prompt, expected", [
    ("  a   pair of\tshoes \n", "a pair of shoes"), ("sneaker\x00\x07", "sneaker"), ("👟 🥾 boots", "👟 🥾 boots"),
    ("a\u200bshoe", "a shoe"), ("x" * MAX_PROMPT_CHARS, "x" * MAX_PROMPT_CHARS),
])
def test_check_prompt_tidies(prompt, expected):
    assert check_prompt(prompt) == expected


@pytest.mark.parametrize("prompt, message", [  # the app shows these texts: its tests match them
    ("", "type a sentence first, for example 'a pair of running shoes'"), ("  \n\t", "type a sentence first"),
    ("shoe " * 2000, "the prompt is 9,999 characters long; keep it under 200"),
    ("👟👟🔥", "the prompt has no words in it, only symbols or emoji; describe the picture in words"),
    (12345, "must be text"), (["a", "b"], "must be text"),
])
def test_check_prompt_refuses_in_one_sentence(prompt, message):
    with pytest.raises(InputError) as refused:
        check_prompt(prompt)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_the_text_model_reads_prompts_by_the_same_rule():
    import aegan.text

    assert aegan.text.check_prompt is check_prompt and aegan.text.MAX_PROMPT_CHARS == MAX_PROMPT_CHARS == 200
    with pytest.raises(InputError, match="keep it under 200"):
        aegan.text.embed_prompts(["shoe " * 60])  # refused before the encoder loads, never cut


def test_encoder_loads_offline_and_is_cached():
    encoder = load_text_encoder()
    v = encoder.encode(["a pair of running shoes", "a pair of running shoes", "a sunset"])
    assert v.shape == (3, 384)
    assert torch.allclose(v.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.equal(v[0], v[1]) and (v[0] @ v[2]) < 0.5


def test_encoder_cache_is_bounded_and_keeps_recent_prompts(monkeypatch):
    import aegan.text

    encoder = load_text_encoder()
    monkeypatch.setattr(aegan.text, "MAX_CACHED_PROMPTS", 3)
    first = encoder.encode(["shoe one"])
    encoder.encode(["shoe two", "shoe three"])
    encoder.encode(["shoe one"])  # used again: now the most recent
    together = encoder.encode(["shoe four", "shoe five", "shoe six", "shoe seven"])  # more than fit at once
    assert together.shape == (4, 384) and len(encoder._cache) == 3
    assert list(encoder._cache) == ["shoe five", "shoe six", "shoe seven"]
    assert torch.allclose(encoder.encode(["shoe one"])[0], first[0], atol=1e-6)  # recomputed, the same


@pytest.fixture(scope="module")
def tiny_text_checkpoint(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("text")
    run_dir = train(preset("tiny-text"), tmp / "run", progress=False)
    return export_run(run_dir, tmp / "tiny-text2img")


def test_tiny_text_model_trains_exports_and_generates(tiny_text_checkpoint):
    model = load_model(tiny_text_checkpoint)
    assert model.config.condition == "text" and model.config.caption_bank_size > 0
    assert model.caption_embeddings.abs().sum() > 0
    x, understood = text_to_image(model, "a thick stroke 3", 5, seed=1)
    assert x.shape == (5, 1, 28, 28)
    assert understood.summary
    x2, _ = text_to_image(model, "a thick stroke 3", 5, seed=1)
    assert torch.equal(x, x2)
    with pytest.raises(InputError):
        text_to_image(model, "   ", 4)


def run(*args):
    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True)


def test_text2img_cli(tiny_text_checkpoint, tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a thin stroke 1\n\n   \nstroke 7 👍\n" + "x" * MAX_PROMPT_CHARS + "\n", encoding="utf-8")
    out = tmp_path / "out.npz"
    result = run("text2img", "--model", tiny_text_checkpoint, "--prompts", prompts, "--per-prompt", 3, "--out", out)
    assert result.returncode == 0, result.stderr
    data = np.load(out)
    assert data["images"].shape == (9, 28, 28) and data["images"].dtype == np.uint8
    assert data["prompt_ids"].tolist() == [0, 0, 0, 3, 3, 3, 4, 4, 4]  # blank lines skipped, indices kept


def test_text2img_cli_refuses_a_bad_line_by_its_number(tiny_text_checkpoint, tmp_path):
    """The library's prompt rule, not a silent cut: the whole file is refused, before the model loads."""
    prompts = tmp_path / "prompts.txt"
    out = tmp_path / "out.npz"
    for text, message in [("a thin stroke 1\n\n" + "x" * 10_000 + "\n", "line 3: the prompt is 10,000 characters long"),
                          ("a stroke\n👍👍\n", "line 2: the prompt has no words in it")]:
        prompts.write_text(text, encoding="utf-8")
        result = run("text2img", "--model", tmp_path / "not-loaded", "--prompts", prompts, "--out", out)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and not out.exists()


def test_text2img_cli_errors(tiny_text_checkpoint, tiny_checkpoint, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("ok\nna\xefve caf\xe9\n".encode("latin-1"))
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n")
    good = tmp_path / "good.txt"
    good.write_text("a stroke\n")
    out = tmp_path / "o.npz"
    for args, message in [
        (["--model", tiny_text_checkpoint, "--prompts", bad], "line 2 is not UTF-8"),
        (["--model", tiny_text_checkpoint, "--prompts", blank], "no prompts"),
        (["--model", tiny_text_checkpoint, "--prompts", tmp_path / "missing.txt"], "No such file"),
        (["--model", tiny_text_checkpoint, "--prompts", good, "--per-prompt", 0], "count must be"),
        (["--model", tiny_checkpoint, "--prompts", good], "not a text-to-image model"),
    ]:
        result = run("text2img", *args, "--out", out)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1


def test_vocabulary_document_is_current():
    from pathlib import Path

    from aegan.captions import vocabulary_markdown

    assert (Path(__file__).parents[1] / "docs" / "TEXT.md").read_text() == vocabulary_markdown()


@pytest.mark.parametrize("dataset, typed, meant", [
    ("fashion-mnist", "a red sneeker", "a red sneaker"), ("fashion-mnist", "Trouses", "trousers"),
    ("mnist", "sevn", "seven"), ("mnist", "a thick zreo", "a thick zero"),
    ("fashion-mnist", "a sunset over the sea", "a sunset over the sea"),  # real words stay as typed
    ("mnist", "xq", "xq"),  # too short to guess
])
def test_misspelt_caption_words_are_corrected(dataset, typed, meant):
    from aegan.text import correct_spelling, edit_distance

    known = load_text_encoder().known_words
    text, fixes = correct_spelling(typed, dataset, known)
    assert text == meant and bool(fixes) == (typed.lower() != meant)
    assert edit_distance("sevn", "seven") == 1 and edit_distance("foru", "four") == 1
    assert edit_distance("abc", "xyzuvw") == 3  # above the limit of 2


def test_prompt_notes_say_what_was_corrected():
    from aegan.text import embed_prompts

    _, notes = embed_prompts(["a pair of sneekers"], dataset="fashion-mnist")
    assert notes == [["read 'sneekers' as 'sneakers'"]]
