#!/usr/bin/env bash
# Installs the PyTorch reference used by `pnpm bench:policy` (Debian packages only; needs root).
# python3-torch is Debian's CPU build; libopenblas0-pthread gives it a fast multi-threaded BLAS.
set -euo pipefail
# Debian's interpreter: python3-torch installs into /usr/lib/python3/dist-packages.
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then
  echo "torch already installed: $("$PY" -c 'import torch; print(torch.__version__)')"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread python3-numpy
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
