#!/usr/bin/env bash
# Run every check: full set-up (Debian packages, .venv with '.[test]'), then ruff, mypy and pytest.
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh -k hello -x     # extra arguments go to pytest
#
# All three checks run even when an earlier one fails; the exit status is non-zero if any failed, and pytest
# collecting no test at all (its exit status 5) counts as a failure. The last line printed is pytest's summary.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh || { echo "test.sh: set-up failed" >&2; exit 1; }
BIN="$ROOT/.venv/bin"

failed=()

echo "== ruff check ."
"$BIN/ruff" check . || failed+=(ruff)

echo "== mypy (strict: packages from pyproject.toml)"
"$BIN/mypy" || failed+=(mypy)

echo "== pytest $*"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$BIN/python" -m pytest "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
case "$rc" in
  0) ;;
  5) failed+=("pytest (no tests collected)") ;;
  *) failed+=("pytest (exit $rc)") ;;
esac

# pytest's closing line, e.g. "===== 12 passed, 1 skipped in 3.21s =====" (or "no tests ran in ...").
summary="$(grep -E '^=+ .*( in [0-9.]+s| in [0-9:]+).* =+$' "$log" | tail -n 1 || true)"
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}"
else
  echo "test.sh: ruff, mypy and pytest passed"
fi
if [ -n "$summary" ]; then echo "$summary"; else echo "pytest printed no summary line (exit $rc)"; fi
[ ${#failed[@]} -eq 0 ]
