#!/usr/bin/env bash
# Runs the whole test suite, linters and type checks, after bootstrapping the machine.
# pytest's exit code 5 (no tests collected) is a failure here, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1

status=0
.venv/bin/ruff check compliance tests bench || status=1
.venv/bin/ruff format --check compliance tests bench || status=1
.venv/bin/mypy || status=1
.venv/bin/lint-imports || status=1
.venv/bin/compliance rules lint || status=1
.venv/bin/compliance rules test || status=1

# One worker per core (pytest-xdist), an idle worker taking tests from a busy one (the longest tests
# would otherwise leave one worker alone at the end); each test keeps its own temporary folder and
# loopback ports.
.venv/bin/python -m pytest -n auto --dist worksteal "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  rc=1
fi
[ "$rc" -eq 0 ] || status=$rc
exit "$status"
