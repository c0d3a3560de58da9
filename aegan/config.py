"""Every architecture number of the AE-GAN family, in one dataclass.

Saved as `config.json` beside the weights by huggingface_hub's `PyTorchModelHubMixin`, so a checkpoint
folder is always enough to rebuild its model.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelConfig:
    dataset: str = "fashion-mnist"  # which data the model was trained on; selects class names
    image_size: int = 28  # images are square, single channel
    latent_dim: int = 32  # size of z; E maps x -> (mean, log-variance) of z
    base_channels: int = 32  # width of the first conv layer of E and D and the last of G
    condition: str = "class"  # "class": learned embedding of a class id; "text": projection of a sentence embedding
    num_classes: int = 10  # class head of E, class embedding of G and D
    text_dim: int = 384  # size of the frozen sentence embedding (all-MiniLM-L6-v2) when condition == "text"
    condition_dim: int = 64  # size of the condition vector fed to G and D
    discriminator_features: int = 256  # width of D's last hidden layer (the projection space)
    class_names: list[str] = field(default_factory=list)  # human names of the classes, index = class id
    # Text models ship the captions they learned from (set at export): what "understood as" compares with.
    caption_bank_size: int = 0  # number of training caption sentences stored as buffers
    num_attributes: int = 0  # measured attributes (aegan.captions.ATTRIBUTE_WORDS[dataset])
    # Sampling draws z ~ N(0, (z_scale I)^2): the scale at which samples are as varied as real images,
    # measured at export in E's code space (training/calibrate.py); 1.0 for uncalibrated models.
    z_scale: float = 1.0
    phrase_bank_size: int = 0  # number of bare class phrases (aegan.captions.CLASS_PHRASES) stored as buffers

    def __post_init__(self) -> None:
        if self.condition not in ("class", "text"):
            raise ValueError(f"condition must be 'class' or 'text', not {self.condition!r}")
        if self.image_size != 28:
            raise ValueError("only 28x28 images are supported")
