"""How a prompt is read before G runs: the number reader (aegan/numbers.py), the garment reader
(aegan/clothing.py) and how aegan/text.py uses them. The readers are pure Python; the text tests use the real
sentence encoder (offline, as tests/test_text.py does) and tiny untrained models."""

import math
import subprocess
import sys

import pytest
import torch

from aegan.clothing import CLOTHING_WORDS, PHRASES, read_clothing
from aegan.numbers import NumberReading, read_number


# --- numbers: one or more cases per phrasing the module docstring names -----------------------------------

@pytest.mark.parametrize("text, digit", [
    # digits and words, foreign words, zero words
    ("7", 7), ("seven", 7), ("a 0", 0), ("give me a FIVE", 5), ("siete", 7), ("huit", 8), ("neun", 9),
    ("sette", 7), ("quatro", 4), ("nought", 0), ("zilch", 0), ("nothing, as a digit", 0),
    # ordinals; "of the ten digits" counts from 0
    ("seventh", 7), ("the 3rd number", 3), ("2nd", 2), ("the first of the ten figures", 0),
    ("the fourth of the digits", 3),
    # quantities
    ("half a dozen", 6), ("a dozen minus five", 7), ("a pair", 2), ("a couple, as a figure", 2), ("a trio", 3),
    ("an octet", 8), ("a baker's dozen minus 4", 9),
    # roman numerals
    ("VII", 7), ("IX", 9), ("ix", 9), ("roman numeral I", 1), ("a tall VI", 6), ("v", 5),
    # arithmetic in words and symbols, nested and left to right
    ("three plus four", 7), ("1+1", 2), ("9 minus 2", 7), ("9-3", 6), ("2 - 1", 1), ("ten take away three", 7),
    ("2 times 3", 6), ("2x2", 4), ("3 * 3", 9), ("3 × 3", 9), ("8 divided by 4", 2), ("6 / 2", 3),
    ("fourteen over two", 7), ("3 - 2 + 1", 2), ("2 + 3 * 1", 5), ("two more than 5", 7), ("one less than six", 5),
    ("subtract 3 from 10", 7), ("the sum of 3 and 4", 7), ("the difference between 9 and 2", 7),
    ("the product of 2 and 4", 8), ("halfway between 4 and 6", 5), ("3 squared", 9), ("2 cubed", 8),
    ("two to the power of three", 8), ("square root of sixteen", 4), ("half of ten", 5), ("eight halved", 4),
    ("a quarter of 8", 2), ("twice four", 8), ("double 3", 6), ("thrice three", 9), ("two fours", 8),
    ("whats 3 plus 2", 5), ("the number after twenty minus fifteen", 6),
    # neighbours
    ("the number after 6", 7), ("the count after 0", 1), ("what comes before 4", 3), ("the successor of 2", 3),
    ("the digit before ten", 9), ("the third digit after zero", 3), ("the second number before 9", 7),
    ("the first number after 5", 6),
    # everyday facts and descriptions
    ("how many legs a spider has", 8), ("days in a week", 7), ("how many sides a triangle has", 3),
    ("wheels on a tricycle", 3), ("how many fingers on one hand", 5), ("the number of dwarfs", 7),
    ("how many lives a cat has", 9), ("the smallest even prime", 2), ("the only even prime", 2),
    ("my lucky number", 7), ("the biggest digit", 9),
    ("the smallest digit", 0), ("the digit that looks like a snowman", 8), ("two stacked loops", 8),
    ("an upside-down 6", 9), ("a 9 upside down", 6), ("how many legs does a fish have", 0),
    # the digit among other words, and which of several numbers is meant
    ("a bold slanted three plus four", 7), ("a 7 with 2 loops", 7), ("a pair of sevens", 7), ("first draw a 7", 7),
    ("a 7, a thin one", 7), ("a one that is just a straight line", 1), ("I want a 7", 7),
])
def test_the_number_reader_reads_each_phrasing(text, digit):
    reading = read_number(text)
    assert reading is not None and reading.digit == digit, (text, reading)
    assert text[reading.start:reading.end] == reading.phrase


@pytest.mark.parametrize("text, value, said", [  # never wrapped into a digit: the value and the words are said
    ("a dozen", 12, "'a dozen' is 12, not a digit 0-9"), ("12", 12, "12 is not a digit 0-9"),
    ("5 plus 7", 12, "'5 plus 7' is 12, not a digit 0-9"), ("2 minus 5", -3, "'2 minus 5' is -3, not a digit 0-9"),
    ("7 divided by 2", 3.5, "'7 divided by 2' is 3.5, not a digit 0-9"), ("negative three", -3, None),
    ("twenty-one", 21, None), ("X", 10, None), ("a score", 20, None), ("3 cubed", 27, None),
])
def test_numbers_outside_0_to_9_are_read_and_said_not_wrapped(text, value, said):
    reading = read_number(text)
    assert reading.value == value and reading.digit is None
    assert reading.describe() == (said or reading.describe()) and "not a digit 0-9" in reading.describe()


def test_division_by_zero_is_undefined():
    reading = read_number("5 divided by 0")
    assert math.isnan(reading.value) and reading.digit is None
    assert reading.describe() == "'5 divided by 0' is undefined, not a digit 0-9"


@pytest.mark.parametrize("text", ["", "a cat sleeping on a sofa", "purple elephant dancing", "the history of rome",
                                  "I want it bold", "xyzzy", "a sunset over the sea", "!!!", "the letter Q",
                                  "a house with a garden", "mix it up", "a vivid civic idea"])
def test_nonsense_names_no_number(text):
    assert read_number(text) is None


def test_a_reading_says_what_it_read():
    assert read_number("three plus four").describe() == "7 (three plus four)"
    assert read_number("7").describe() == "7" and read_number("seven").plain
    assert read_number("a 7 with 2 loops").others == (2,)
    assert isinstance(read_number("VII"), NumberReading) and read_number("VII").phrase == "VII"


def test_long_or_hostile_input_stays_fast_and_bounded():
    assert read_number("9 " * 100 + "plus 1").digit is not None or read_number("9 " * 100 + "plus 1") is not None
    assert read_number("2 to the power of 99") is not None  # not computed (too big), not an error
    assert read_number(" ".join(["twice"] * 60 + ["3"])).digit is None  # 3 * 2**60, said as a number


# --- garments named without their class name ---------------------------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("kicks", 7), ("fresh white nikes", 7), ("a parka", 4), ("my puffer", 4), ("a tote", 8), ("jeans", 1),
    ("beige chinos", 1), ("a hoodie", 2), ("a woolly jumper", 2), ("flip-flops", 5), ("wellies", 9),
    ("T-SHIRT", 0), ("a t-shirt", 0), ("a shirt", 6), ("a shirt dress", 3), ("a fleece-lined jacket", 4),
    ("a fleece", 2), ("a jacket to wear over a t-shirt", 4), ("a duffle coat", 4), ("a duffle for the gym", 8),
    ("chelsea boots", 9), ("Boots", 9), ("sneakers to go with my jeans", 7),
    # shoe brands and kinds; a brand before another garment is a modifier ("a puma hoodie" is a pullover)
    ("chuck taylors", 7), ("new balances", 7), ("crocs", 5), ("fluffy slippers", 5), ("uggs", 9), ("a puma hoodie", 2),
    ("a croc leather handbag", 8),
    # a name right after a subject is its verb: the garment is another word, or none
    ("what you button up over a suit: a long wool overcoat", 4), ("she dresses up in a ball gown", 3),
    # ... or after a subject and a modal ("you'd" is read as "you", "d")
    ("what you'd dress up in for the gym: trackies", 1), ("what we will dress the kids in for school: sneakers", 7),
])
def test_garment_words_name_their_class(text, label):
    found = read_clothing(text)
    assert found is not None and found[0] == label, (text, found)
    assert found[1].lower() in text.lower()


@pytest.mark.parametrize("text", ["a sunset over the sea", "something warm", "a top with a collar", "ＸＸＸ", "",
                                  "the long wool thing you button up over your suit",
                                  "the long wool thing you'd button up over your suit",
                                  "the long wool thing I will button up over my suit"])
def test_no_garment_word_leaves_the_class_to_the_encoder(text):
    assert read_clothing(text) is None


def test_every_garment_word_belongs_to_one_class_and_the_order_does_not_depend_on_hashing():
    assert len(CLOTHING_WORDS) == 10
    names = [words for words, _ in PHRASES]
    assert len(names) == len(set(names))
    runs = {subprocess.run([sys.executable, "-c", "from aegan.clothing import PHRASES; print(PHRASES)"],
                           capture_output=True, text=True, env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
            for seed in (1, 2)}
    assert len(runs) == 1


# --- aegan/text.py: readings, the condition, "understood as" ----------------------------------------------

@pytest.fixture(scope="module")
def encoder():
    from aegan.text import load_text_encoder

    return load_text_encoder()


def tiny_text_model(dataset: str):
    """An untrained text model with a blank bank of 4 captions (as the app's tests make them)."""
    from aegan.captions import ATTRIBUTE_WORDS
    from aegan.config import ModelConfig
    from aegan.data import CLASS_NAMES
    from aegan.models import AEGAN

    torch.manual_seed(0)
    return AEGAN(ModelConfig(dataset=dataset, condition="text", class_names=CLASS_NAMES[dataset], caption_bank_size=4,
                             num_attributes=len(ATTRIBUTE_WORDS[dataset]), latent_dim=8, base_channels=8,
                             condition_dim=8, discriminator_features=16)).eval()


def test_a_number_fixes_the_class_and_the_encoder_sees_its_word(encoder):
    from aegan.text import read_prompts

    bold, plain, spider, wide = read_prompts(["a bold three plus four", "7", "how many legs a spider has",
                                              "a wide VII"], encoder, "mnist")
    assert (bold.label, bold.text, bold.said, bold.named) == (7, "a bold seven", "7 (three plus four)", (1, 0, 0))
    assert bold.notes == ["read 'three plus four' as 7"]
    assert torch.allclose(bold.embedding, encoder.encode(["a bold seven"])[0])
    assert (plain.label, plain.said, plain.notes) == (7, "", [])  # nothing to explain
    assert spider.label == 8 and wide.label == 7 and wide.named == (0, 0, 1)


def test_a_typo_in_a_number_word_is_corrected_and_reader_words_are_left_alone(encoder):
    from aegan.text import read_prompts

    thre, threes = read_prompts(["thre", "two threes"], encoder, "mnist")
    assert thre.label == 3 and thre.notes[0] == "read 'thre' as 'three'"
    assert threes.label == 6 and threes.notes == ["read 'two threes' as 6"]  # not corrected to 'three'


def test_a_number_outside_0_to_9_is_said_and_the_images_are_called_a_guess(encoder):
    from aegan.text import text_to_image

    model = tiny_text_model("mnist")
    x, understood = text_to_image(model, "5 plus 7", 4, encoder=encoder)
    assert x.shape == (4, 1, 28, 28) and not understood.known
    assert understood.summary == "not understood: '5 plus 7' is 12, not a digit 0-9; the images are a guess"
    _, seven = text_to_image(model, "a bold three plus four", 4, encoder=encoder)
    assert seven.known and seven.summary.startswith("understood as: 7 (three plus four)")


def test_a_garment_word_fixes_the_class_and_is_named(encoder):
    from aegan.text import read_prompts, text_to_image

    nikes, sneakers, sunset = read_prompts(["fresh white nikes", "sneakers", "a sunset"], encoder, "fashion-mnist")
    assert (nikes.label, nikes.said, nikes.named) == (7, "sneaker (nikes)", (1, 0, 0))
    assert (sneakers.label, sneakers.said) == (7, "")  # a caption word: nothing to explain
    assert sunset.label is None
    _, understood = text_to_image(tiny_text_model("fashion-mnist"), "a holdall", 4, encoder=encoder)
    assert understood.known and understood.summary.startswith("understood as: bag (holdall)")


@pytest.mark.parametrize("prompt, label", [  # described by use, no garment word: the description bank votes
    ("something to keep my feet dry in the rain", 9), ("something to carry my laptop in", 8),
    ("what a bride wears", 3), ("something you wear on your legs", 1),
])
def test_descriptions_vote_for_the_garment_they_describe(encoder, prompt, label):
    from aegan.text import _votes, read_prompts, reading_bank

    bank, classes = reading_bank("fashion-mnist")
    assert len(bank) == len(classes) > 300
    reading = read_prompts([prompt], encoder, "fashion-mnist")[0]
    assert reading.label is None  # no garment word: this is the encoder's vote
    assert int(_votes(bank, classes, reading.embedding, 3, 10).argmax()) == label


def test_the_condition_is_deterministic_and_falls_back_without_a_usable_bank(encoder):
    from aegan.text import generate_from_reading, project_to_captions, read_prompts

    model = tiny_text_model("mnist")  # a blank bank of 4 captions, all of class 0: none is a 7
    reading = read_prompts(["seven"], encoder, "mnist")[0]
    assert torch.isfinite(project_to_captions(model, reading.embedding, 7, reading.named)).all()
    first, again = (generate_from_reading(model, reading, 3, seed=2) for _ in range(2))
    assert torch.equal(first, again)


@pytest.mark.parametrize("dataset, text, named", [
    ("mnist", "a bold slanted seven", (1, 1, 0)), ("mnist", "a thin tiny 3", (-1, 0, -1)),
    ("mnist", "a big little 7", (0, 0, 0)), ("fashion-mnist", "a dark oversized parka", (-1, 1, 0)),
    ("fashion-mnist", "striped shirt", (0, 0, 1)), ("fashion-mnist", "a shirt", (0, 0, 0)),
])
def test_attribute_words_are_read_from_the_prompt(dataset, text, named):
    from aegan.text import named_attributes

    assert named_attributes(text, dataset) == named


def test_the_readers_need_no_torch():
    code = ("import sys; import aegan.numbers, aegan.clothing; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the prompt sets and the results file ------------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
def test_blind_prompts_are_many_unseen_and_apart_from_the_dev_set(dataset):
    from aegan.captions import caption_texts
    from aegan.evaluate import heldout_prompts

    blind, dev = heldout_prompts(dataset, "blind"), heldout_prompts(dataset, "dev")
    assert len(blind) >= 150 and all(sum(k == c for k, _ in blind) >= 15 for c in range(10))
    assert len(dev) >= 100
    bank = {text.lower() for text in caption_texts(dataset)}
    assert not any(p.lower() in bank for _, p in blind)
    assert not {p for _, p in blind} & {p for _, p in dev}  # nothing tuned on is scored blind
    fresh = heldout_prompts(dataset, "fresh")  # scored too, written once the readers existed
    assert len(fresh) >= 40 and all(any(k == c for k, _ in fresh) for c in range(10))
    assert not any(p.lower() in bank for _, p in fresh) and not {p for _, p in fresh} & {p for _, p in dev + blind}


def test_evaluating_some_models_rewrites_only_their_sections(tmp_path, monkeypatch):
    import aegan.evaluate as evaluate

    results = tmp_path / "RESULTS.md"
    monkeypatch.setattr(evaluate, "RESULTS", results)
    one = {"rows": [{"metric": "m", "model": "1", "real": ""}], "notes": ["first"]}
    evaluate._write_results({"a": one, "b": one})
    whole = results.read_text()
    assert whole.startswith("# Results") and whole.count("## ") == 2
    two = {"rows": [{"metric": "m", "model": "2", "real": ""}], "notes": ["second"]}
    evaluate._write_results({"b": two, "c": two}, update=True)
    text = results.read_text()
    assert text.startswith(whole.split("## b")[0]) and "| m | 1 |" in text.split("## b")[0]
    assert "| m | 2 |" in text.split("## b")[1] and text.rstrip().endswith("second") and text.count("## ") == 3


# --- hostile input: the readers never raise, and stay bounded ----------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aegan.numbers import VOCABULARY  # noqa: E402

_PIECES = sorted(VOCABULARY) + ["+", "-", "*", "/", "x", "^", "0", "7", "12", "3.5", "99999999999", "VII", "the",
                                 "of", "a", "and", "by", "to", "power", "root", "half", "one", "1st", ",", "?"]


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join)))
def test_any_text_is_read_or_left_alone_never_an_exception(text):
    reading = read_number(text)
    if reading is not None:
        assert text[reading.start:reading.end] == reading.phrase
        assert reading.digit is None or 0 <= reading.digit <= 9
        assert "\n" not in reading.describe() and len(reading.describe()) < len(text) + 80
    found = read_clothing(text)
    assert found is None or 0 <= found[0] <= 9
