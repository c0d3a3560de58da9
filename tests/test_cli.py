import subprocess
import sys

import numpy as np
import pytest

BIG = "1" + "0" * 400


def run(*args):
    return subprocess.run([sys.executable, "-m", "aegan", *map(str, args)], capture_output=True, text=True)


def test_sample_writes_the_contract(tiny_checkpoint, tmp_path):
    out = tmp_path / "samples.npz"
    result = run("sample", "--model", tiny_checkpoint, "--n", 13, "--seed", 3, "--out", out)
    assert result.returncode == 0, result.stderr
    data = np.load(out)
    assert data["images"].shape == (13, 28, 28) and data["images"].dtype == np.uint8
    assert data["labels"].dtype == np.int64 and set(data["labels"].tolist()) == set(range(10))
    again = tmp_path / "again.npz"
    run("sample", "--model", tiny_checkpoint, "--n", 13, "--seed", 3, "--out", again)
    assert np.array_equal(np.load(again)["images"], data["images"])


def test_sample_one_label(tiny_checkpoint, tmp_path):
    out = tmp_path / "sevens"  # no .npz suffix: the exact name is written
    assert run("sample", "--model", tiny_checkpoint, "--n", 4, "--label", 7, "--out", out).returncode == 0
    assert np.load(out)["labels"].tolist() == [7, 7, 7, 7]


@pytest.mark.parametrize("args, message", [
    (["--n", "0"], "count must be"),
    (["--n", "-5"], "count must be"),
    (["--n", "many"], "invalid int value"),
    (["--n", "4", "--label", "10"], "out of range"),
    (["--n", "4", "--label", "-1"], "out of range"),
    (["--n", "4", "--truncation", "nan"], "truncation"),
    (["--n", BIG], "count must be"),  # argparse reads any number of digits: no float holds it
    (["--n", "4", "--label", BIG], "out of range"),
    (["--n", "4", "--seed", BIG], "seed must be"),
    (["--n", "4", "--seed", str(2**64)], "seed must be"),  # one past what torch's generator takes
    (["--n", "4", "--seed", "-1"], "seed must be"),
])
def test_sample_bad_values(tiny_checkpoint, tmp_path, args, message):
    result = run("sample", "--model", tiny_checkpoint, *args, "--out", tmp_path / "x.npz")
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert len(result.stderr) < 200, result.stderr  # a 400-digit value is not echoed whole


def test_sample_bad_model_and_out(tiny_checkpoint, tmp_path):
    for model, message in [(tmp_path / "missing", "not found"), (tmp_path, "config.json: file is missing")]:
        result = run("sample", "--model", model, "--n", 2, "--out", tmp_path / "x.npz")
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
    (tiny_checkpoint / "model.safetensors").write_bytes(b"garbage")
    result = run("sample", "--model", tiny_checkpoint, "--n", 2, "--out", tmp_path / "x.npz")
    assert result.returncode == 2 and "model.safetensors" in result.stderr


@pytest.mark.parametrize("out", ["/proc/nope/x.npz", "/nonexistent-dir/x.npz", "FOLDER"])
def test_sample_unwritable_out(tiny_checkpoint, tmp_path, out):
    out = tmp_path if out == "FOLDER" else out
    result = run("sample", "--model", tiny_checkpoint, "--n", 2, "--out", out)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unknown_command_is_one_line():
    result = run("paint")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_interpolate_writes_a_gif_and_npz(tiny_checkpoint, tmp_path):
    from PIL import Image

    gif = tmp_path / "walk.gif"
    result = run("interpolate", "--model", tiny_checkpoint, "--from-label", 2, "--to-label", 7, "--steps", 6, "--out", gif)
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as image:
        assert image.n_frames == 6
    npz = tmp_path / "walk.npz"
    assert run("interpolate", "--model", tiny_checkpoint, "--steps", 5, "--out", npz).returncode == 0
    assert np.load(npz)["images"].shape == (5, 28, 28)
    for args, message in [(["--steps", 1], "--steps"), (["--to-label", 12], "out of range")]:
        result = run("interpolate", "--model", tiny_checkpoint, *args, "--out", gif)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("args, message", [(["--steps", BIG], "--steps must be"), (["--from-seed", BIG], "seed must be"),
                                           (["--to-label", BIG], "out of range")])
def test_interpolate_bad_values(tiny_checkpoint, tmp_path, args, message):
    result = run("interpolate", "--model", tiny_checkpoint, *args, "--out", tmp_path / "walk.gif")
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert len(result.stderr) < 200 and not (tmp_path / "walk.gif").exists()
