# AE-GAN Studio in a container, on CPU torch by default:
#   docker build -t aegan-studio . && docker run -p 7860:7860 aegan-studio
# With CUDA torch, for `docker run --gpus all` (NVIDIA Container Toolkit): a CUDA index of PyTorch's, or an
# empty value for PyPI's Linux build (which is CUDA's):
#   docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu130 -t aegan-studio:cuda .
#   docker build --build-arg TORCH_INDEX= -t aegan-studio:cuda .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    HF_HUB_OFFLINE=1

# Where torch and torchvision come from. PyTorch's CPU index holds the same releases without the several GB
# of nvidia libraries that PyPI's Linux build pulls in, and the models run well on a CPU.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

# An unprivileged user (uid 1000, as Hugging Face Spaces expect) owns the app; nothing runs as root.
RUN useradd --create-home --uid 1000 studio
WORKDIR /home/studio/app

# Dependencies first, so code changes do not reinstall them. torch and torchvision are installed alone from
# TORCH_INDEX (as requirements.txt pins them, and within its bounds), so an index that cannot be reached
# fails the build instead of pip quietly taking PyPI's CUDA build; then the rest of requirements.txt.
COPY requirements.txt ./
RUN grep -E '^(torch|torchvision)==' requirements.txt > /tmp/torch.txt \
    && pip install --no-cache-dir ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} -r /tmp/torch.txt -c requirements.txt \
    && pip install --no-cache-dir -r requirements.txt \
    && rm /tmp/torch.txt

# Only what the app needs at run time (see .dockerignore): code, shipped weights and examples.
COPY --chown=studio:studio app.py ./
COPY --chown=studio:studio aegan/ aegan/
COPY --chown=studio:studio ui/ ui/
COPY --chown=studio:studio training/ training/
COPY --chown=studio:studio checkpoints/ checkpoints/

USER 1000
EXPOSE 7860
# The app is PID 1 here, and Linux gives PID 1 no signal it has no handler for: SIGTERM (docker stop's
# default) would be ignored until docker kills the app when its grace period ends. Python handles SIGINT
# (KeyboardInterrupt), on which Gradio's block_thread closes the server (waiting at most 5 s for open
# connections) and app.py returns: a clean exit, well inside the grace period.
STOPSIGNAL SIGINT
# Through a shell, so a port chosen at `docker run -e GRADIO_SERVER_PORT=...` is the one checked.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)' \"http://127.0.0.1:${GRADIO_SERVER_PORT:-7860}/\""]
CMD ["python", "app.py"]
