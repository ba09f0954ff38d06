#!/usr/bin/env bash
# Installs everything the project needs on a bare Debian 12 machine (run as root, or with sudo):
# system packages first, then a virtual environment in .venv with the project and its tools.
# Safe to run again: it only installs what is missing. Needs no standard input.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Pango and HarfBuzz for WeasyPrint's PDF rendering (fonts come with them),
# poppler-utils for the independent PDF checks of the tests (pdftotext, pdftoppm, pdfsig), graphviz
# for the report's data-flow diagram (dot), and LibreOffice Writer (headless) for the tests that open
# the Word editions as a reader would.
APT_PACKAGES=(python3-venv python3-pip git libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils graphviz libreoffice-writer-nogui)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  python3 -m venv .venv
fi
stamp=.venv/.bootstrap-stamp
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c "import compliance" 2>/dev/null; then
  echo "bootstrap: installing the project and its development tools into .venv" >&2
  log=.venv/bootstrap.log
  if ! { .venv/bin/python -m pip install -q --upgrade pip \
         && .venv/bin/python -m pip install -q -e ".[dev]"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "bootstrap: installing Python packages failed (log above, also in $log)" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi

# The message catalogs of the tool's own texts (Danish, Swedish): compiled on every run, so that a
# catalog edited since the last run is what the tool reads (a wheel compiles them itself, setup.py).
.venv/bin/python scripts/catalogs.py compile >/dev/null
