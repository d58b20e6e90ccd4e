#!/usr/bin/env bash
# The PyTorch bridge's dependencies and the bridge itself (python/), only what
# is missing. torch: the CPU-only wheel the machine image ships (/opt/wheels)
# first, then PyTorch's CPU index, then PyPI's default (the CUDA build, GBs).
# timm is installed without its dependency on torchvision (which would pull a
# second torch); torchvision comes as the version matching torch, alone.
# Exits 0 even when torch cannot be installed: the tests then skip, saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
pip=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
"${pip[@]}" --dry-run pip >/dev/null 2>&1 || pip+=(--break-system-packages)
if ! python3 -c "import torch" 2>/dev/null; then
  echo "tessera: installing torch" >&2
  wheel=$(ls /opt/wheels/torch-*+cpu-cp3*.whl 2>/dev/null | grep "cp$(python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')-" | sort -V | tail -1)
  if [ -n "$wheel" ]; then "${pip[@]}" "$wheel"
  else "${pip[@]}" torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null || "${pip[@]}" torch
  fi || { echo "tessera: torch could not be installed" >&2; exit 0; }
fi
python3 -c "import numpy, safetensors, pytest, yaml, huggingface_hub, pydicom" 2>/dev/null \
  || "${pip[@]}" numpy safetensors pytest pyyaml huggingface_hub "pydicom>=3.0.1,<4" || exit 0
# tessera_torch itself is used from python/ (PYTHONPATH): `pip install ./python` is for users.
if ! PYTHONPATH=python python3 -c "import tessera_torch; tessera_torch.import_timm()" 2>/dev/null; then
  echo "tessera: installing timm and the torchvision matching torch (without dependencies)" >&2
  vision=$(python3 -c "import torch; v = torch.__version__.split('+')[0].split('.'); print(f'0.{int(v[1]) + 15}.*')")
  "${pip[@]}" --no-deps "timm>=1.0.16" "torchvision==$vision" || echo "tessera: timm could not be installed" >&2
fi
