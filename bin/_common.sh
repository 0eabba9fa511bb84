# Shared by bin/run and bin/test: a virtual environment that follows pyproject.toml.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

find_python() {
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "Bitewise needs Python 3.11 (set PYTHON=/path/to/python3.11)." >&2
    exit 1
}

ensure_venv() {
    if [ ! -x .venv/bin/python ]; then
        echo "==> creating .venv"
        "$(find_python)" -m venv .venv
    fi
    local stamp
    stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        echo "==> installing dependencies (once per change of pyproject.toml)"
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e '.[dev]'
        rm -f .venv/.installed-*
        touch "$stamp"
    fi
}

# The local, embedded set-up that bin/run starts and bin/token signs people into.
local_env() {
    mkdir -p instance
    # The app defaults to production (safe when a variable is forgotten); locally, ask.
    export BITEWISE_ENV="${BITEWISE_ENV:-development}"
    export DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/instance/bitewise.db}"
    export PORT="${PORT:-8000}"
    export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
    export LOG_FORMAT="${LOG_FORMAT:-text}"
    # Plan reminders every minute locally (production default: every 5 minutes).
    export BITEWISE_PLAN_EVERY="${BITEWISE_PLAN_EVERY:-60}"
    # Local sign-in follows the Firebase Auth emulator convention (unsigned tokens).
    # The app refuses this variable in production.
    if [ "$BITEWISE_ENV" != production ]; then
        export FIREBASE_AUTH_EMULATOR_HOST="${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099}"
    fi
}

# Debian's Chromium for the Swagger UI test (headless, driven by Playwright's client only:
# Playwright's own browser downloads are not used). Installed when missing.
ensure_chromium() {
    export BITEWISE_CHROMIUM="${BITEWISE_CHROMIUM:-/usr/bin/chromium}"
    if [ -x "$BITEWISE_CHROMIUM" ]; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "Chromium is missing and we are not root: install Debian's 'chromium' package." >&2
        exit 1
    fi
    echo "==> installing Debian's chromium package (once)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

# Debian's ffmpeg (ffprobe reads uploaded audio and video, ffmpeg takes video posters).
ensure_ffmpeg() {
    if command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "ffmpeg is missing and we are not root: install Debian's 'ffmpeg' package." >&2
        exit 1
    fi
    echo "==> installing Debian's ffmpeg package (once)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
}

# Prometheus' promtool checks /metrics in the suite (Debian's prometheus package).
ensure_promtool() {
    if command -v promtool >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "promtool is missing and we are not root: install Debian's 'prometheus' package." >&2
        exit 1
    fi
    echo "==> installing Debian's prometheus package for promtool (once)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

# A real learning record store (Ralph, from PyPI) validates our xAPI statements in the
# suite. It lives in its own environment: its pins must not steer the app's.
ensure_ralph() {
    export BITEWISE_RALPH="$ROOT/.venv-ralph/bin/ralph"
    local want="ralph-malph[cli,lrs]==5.1.0 requests"
    local stamp
    stamp=".venv-ralph/.installed-$(echo "$want" | sha256sum | cut -c1-16)"
    if [ -f "$stamp" ]; then
        return
    fi
    echo "==> installing the Ralph learning record store for the xAPI test (once)"
    rm -rf .venv-ralph
    "$(find_python)" -m venv .venv-ralph
    # shellcheck disable=SC2086
    .venv-ralph/bin/python -m pip install --quiet $want
    touch "$stamp"
}

# The API contract tests lint the spec and run a generated TypeScript client
# (clients/typescript: Redocly CLI, Spectral, @hey-api/openapi-ts, TypeScript).
ensure_node_tools() {
    if ! command -v npm >/dev/null 2>&1 ||
        ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
        echo "The API contract tests need Node.js 20.19 or newer with npm (found: $(node --version 2>/dev/null || echo none))." >&2
        exit 1
    fi
    local stamp
    stamp="clients/typescript/node_modules/.installed-$(sha256sum clients/typescript/package-lock.json | cut -c1-16)"
    if [ -f "$stamp" ]; then
        return
    fi
    echo "==> installing the Node tools for the API contract tests (once per change of package-lock.json)"
    (cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
}
