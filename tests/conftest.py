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
