# AE-GAN Studio in a container: `docker build -t aegan-studio . && docker run -p 7860:7860 aegan-studio`
# Runs on the CPU; with `--gpus all` (NVIDIA Container Toolkit) torch's CUDA build uses the GPU.
# For a much smaller CPU-only image: `--build-arg TORCH_INDEX=https://download.pytorch.org/whl/cpu`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    HF_HUB_OFFLINE=1

ARG TORCH_INDEX=""

# An unprivileged user (uid 1000, as Hugging Face Spaces expect) owns the app; nothing runs as root.
RUN useradd --create-home --uid 1000 studio
WORKDIR /home/studio/app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -r requirements.txt

# Only what the app needs at run time (see .dockerignore): code, shipped weights and examples.
COPY --chown=studio:studio app.py ./
COPY --chown=studio:studio aegan/ aegan/
COPY --chown=studio:studio ui/ ui/
COPY --chown=studio:studio checkpoints/ checkpoints/

USER 1000
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4)"]
CMD ["python", "app.py"]
