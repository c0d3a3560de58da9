import os

import pytest
import torch

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from aegan.config import ModelConfig  # noqa: E402
from aegan.models import AEGAN  # noqa: E402

TINY = dict(latent_dim=8, base_channels=8, condition_dim=8, discriminator_features=16)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the app in a real browser (Playwright + Debian's chromium)")
    config.addinivalue_line("markers", "slow: starts the app in a process of its own (tens of seconds)")


@pytest.fixture
def tiny_config() -> ModelConfig:
    return ModelConfig(dataset="synthetic", class_names=[f"stroke {k}" for k in range(10)], **TINY)


@pytest.fixture
def tiny_model(tiny_config) -> AEGAN:
    torch.manual_seed(0)
    return AEGAN(tiny_config).eval()


@pytest.fixture
def tiny_checkpoint(tiny_model, tmp_path):
    folder = tmp_path / "tiny-cgan"
    tiny_model.save_pretrained(folder)
    return folder


# --- the app through its real HTTP server (test_app.py, test_hostile.py, test_load.py) -----------------------

@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app, launched in this process on a free loopback port with the same queue and launch settings as
    app.py, on tiny untrained models written to a temporary checkpoints folder (AEGAN_CHECKPOINTS); live
    training runs a tiny model on synthetic strokes (AEGAN_LIVE=tiny)."""
    from test_app import free_port, text_available, write_tiny_checkpoints

    root = write_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"), text=text_available())
    patch = pytest.MonkeyPatch()
    patch.setenv("AEGAN_CHECKPOINTS", str(root))
    patch.setenv("AEGAN_DEVICE", "cpu")
    # Gradio's upload and cache folder, private to this test run: by default it is /tmp/gradio, shared by every
    # Gradio server on the machine, with files named by content, which each server deletes when it stops.
    patch.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
    # The Training tab's live runs: a tiny model on synthetic strokes (training/live.py), in a folder of the run's.
    patch.setenv("AEGAN_LIVE", "tiny")
    patch.setenv("AEGAN_LIVE_DIR", str(tmp_path_factory.mktemp("live")))
    from ui.studio import build_demo, launch

    demo = build_demo()
    launch(demo, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    yield demo
    demo.close()
    patch.undo()


@pytest.fixture
def client(server):
    """A fresh session (its own gr.State) for each test."""
    from gradio_client import Client

    return Client(server.local_url, download_files=False, verbose=False)
