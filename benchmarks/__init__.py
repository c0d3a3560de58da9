"""Speed and load measurements of AE-GAN Studio: `python -m benchmarks` (or `make bench`) runs them all,
prints one markdown report and writes it to docs/PERFORMANCE.md. See benchmarks/__main__.py."""
