"""Training for AE-GAN Studio: `python -m training --help`."""
