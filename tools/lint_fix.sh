#!/usr/bin/env bash
# Apply ruff's safe fixes (import order, unused noqa, simplifications) and its formatting to
# the paths `make lint` checks, then show what is left for a person to fix. Settings: ruff.toml.
# Run it from a clean working tree, read the diff, run the tests, commit on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF=${RUFF:-ruff}
PATHS=(appraisal tests benchmarks tools wsgi.py)

"$RUFF" check --fix --quiet "${PATHS[@]}" || true
"$RUFF" format --quiet "${PATHS[@]}"
echo "== left to fix by hand (ruff check):"
"$RUFF" check "${PATHS[@]}"
