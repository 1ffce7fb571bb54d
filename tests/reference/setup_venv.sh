#!/usr/bin/env bash
# Creates tests/reference/.venv for gen_fixtures.py.
# numpy and h5py come from the system (python3-numpy, python3-h5py: tools/install-deps.sh installs them);
# torch comes from PyPI. Only torch's CPU code is used, always in float64.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-/usr/bin/python3}"
if [[ ! -x "$here/.venv/bin/python" ]]; then
  "$py" -m venv --system-site-packages "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install -q -r "$here/requirements.txt"
"$here/.venv/bin/python" -c "import torch, numpy, h5py; print('torch', torch.__version__, 'numpy', numpy.__version__, 'h5py', h5py.__version__)"
