#!/usr/bin/env bash
# Idempotent set-up on Debian 12 (run from anywhere; works on the repository this script lives in).
#
#   bash scripts/setup.sh            # everything the tests need: Debian packages + .venv with '.[test]'
#   bash scripts/setup.sh --runtime  # only what the server needs: .venv with '.' (apt only for python3-venv)
#
# Fast when everything is present: no apt-get at all unless a package is missing, and pip runs only when
# pyproject.toml, setup.py or a C source changed since the last successful install into .venv (a stamp file
# in .venv records it).
# Environment: PYTHON (default: python3 on PATH) is the interpreter the venv is made from.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

mode=test
for arg in "$@"; do
  case "$arg" in
    --runtime) mode=runtime ;;
    --test|--full) mode=test ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3}
VENV="$ROOT/.venv"
log() { echo "setup: $*" >&2; }

# ---- Debian packages -------------------------------------------------------------------------------------
# A package counts as present when dpkg has it installed, or when the command it provides is already on the
# machine (e.g. nginx from another flavour than nginx-light). Format: "package:command" (command optional).
test_packages=(
  "mono-devel:"          # mcs + System.Runtime.Remoting: the real .NET Remoting peer (../shared/peers/mono)
  "wrk:wrk"              # load generator (benchmarks, load tests)
  "nginx-light:nginx"    # reverse-proxy tests
  "curl:curl"
  "procps:pgrep"
  "util-linux:taskset"   # CPU pinning in the benchmarks
  "chromium:chromium"    # headless browser for the help page test (tests/pages/test_help_page_browser.py)
  "chromium-driver:chromedriver"  # its WebDriver, driven by selenium (no browser download at run time)
  "openssl:openssl"      # test certificates (TLS, mutual TLS and nginx TLS-termination tests)
  "libaxis-java:"        # Apache Axis 1.4: an rpc/encoded toolkit on ?wsdl=remoting (tests/interop/test_rpc_encoded_toolkits.py)
  "default-jdk-headless:javac"  # java + javac for the Axis client (WSDL2Java stubs are compiled)
  "php-cli:php"          # PHP's SoapClient in WSDL mode, on both WSDL dialects
  "php-soap:"            #   (ext/soap)
  "redis-server:redis-server"  # the shared store of scaled-out deployments (tests start their own, on loopback)
  "gcc:gcc"              # builds soap._int_lists (setup.py; optional for the server, the tests check it under CI)
  "python3-dev:"         #   with Python.h, for Debian's python3 (a pyenv or venv Python brings its own)
)

dpkg_installed() {  # prints the names of the given packages that dpkg reports as installed
  # dpkg-query exits 1 when one of them is unknown (never installed): that is an answer, not an error.
  { dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true; } \
    | awk '$2 == "installed" {print $1}'
}

have_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

missing=()
venv_works() { "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; }
venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; }

if ! venv_ok && ! venv_works; then
  missing+=(python3-venv)   # Debian splits ensurepip out of python3.11
fi

if [ "$mode" = test ]; then
  names=()
  for entry in "${test_packages[@]}"; do names+=("${entry%%:*}"); done
  installed=" $(dpkg_installed "${names[@]}" | tr '\n' ' ') "
  for entry in "${test_packages[@]}"; do
    pkg=${entry%%:*}; cmd=${entry#*:}
    [[ "$installed" == *" $pkg "* ]] && continue
    [ -n "$cmd" ] && have_cmd "$cmd" && continue
    missing+=("$pkg")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    SUDO=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "Debian packages installed"
fi

# ---- the interop harnesses next to the repository (../shared/peers) --------------------------------------------
# The tests drive the eight SOAP toolkits and the spyne reference server of peers/clients; its install.sh puts
# their Debian, PyPI and npm packages under $PEERS_WORK (a no-op taking ~0.3 s when everything is there).
PEERS_CLIENTS="$ROOT/../shared/peers/clients"
if [ "$mode" = test ] && [ -f "$PEERS_CLIENTS/install.sh" ]; then
  log "peers/clients/install.sh (SOAP toolkits, spyne reference server)"
  bash "$PEERS_CLIENTS/install.sh" >&2 || { log "peers/clients/install.sh failed"; exit 1; }
fi

# ---- virtual environment ---------------------------------------------------------------------------------
if ! venv_ok; then
  log "creating $VENV with $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

# The stamp holds a hash of pyproject.toml, setup.py and the C sources (a change rebuilds the compiled module)
# and of the venv's interpreter version; the test stamp implies the runtime one (the test install is a superset).
fingerprint="$(cat pyproject.toml setup.py soap/*.c; "$VENV/bin/python" -c 'import sys; print(sys.version)')"
fingerprint="$(printf '%s' "$fingerprint" | sha256sum | cut -d' ' -f1)"
stamp_ok() { [ -f "$VENV/.setup-$1" ] && [ "$(cat "$VENV/.setup-$1")" = "$fingerprint" ]; }

if [ "$mode" = test ]; then
  target=".[test]"; stamp_ok test && exit 0
else
  target="."; { stamp_ok runtime || stamp_ok test; } && exit 0
fi

log "pip install -e '$target' into .venv"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -e "$target"
printf '%s' "$fingerprint" > "$VENV/.setup-$mode"
if [ "$mode" = test ]; then printf '%s' "$fingerprint" > "$VENV/.setup-runtime"; fi
log "done ($mode)"
