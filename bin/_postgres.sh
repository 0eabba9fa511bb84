# PostgreSQL for the test suite: the one at TEST_POSTGRES_URL if it answers, else a
# throwaway cluster (Debian's packages, installed if missing) on that port, removed on exit.

postgres_answers() {
    .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1].replace("+psycopg", ""), connect_timeout=3).close()
PY
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_throwaway_postgres() {
    as_postgres "$PG_CTL" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
}

ensure_postgres() {
    export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
    if postgres_answers "$TEST_POSTGRES_URL"; then
        echo "==> PostgreSQL answers at ${TEST_POSTGRES_URL#*@}"
        return
    fi
    local port
    port=$(.venv/bin/python -c 'import sys; from sqlalchemy.engine import make_url; print(make_url(sys.argv[1]).port or 5432)' "$TEST_POSTGRES_URL")
    echo "==> no PostgreSQL at ${TEST_POSTGRES_URL#*@}: starting a throwaway cluster on port $port"
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$bindir" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "PostgreSQL is not installed and we are not root: install Debian's 'postgresql' package." >&2
            exit 1
        fi
        echo "==> installing Debian's postgresql package"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
        # The package may have started its own cluster on 5432: use it if so.
        if postgres_answers "$TEST_POSTGRES_URL"; then return; fi
    fi
    PG_TMP=$(mktemp -d /tmp/bitewise-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
    as_postgres "$bindir/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    as_postgres "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c full_page_writes=off" \
        start >/dev/null
    PG_CTL="$bindir/pg_ctl"
    trap stop_throwaway_postgres EXIT
    as_postgres "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test
    if ! postgres_answers "$TEST_POSTGRES_URL"; then
        echo "The throwaway PostgreSQL did not come up; its log:" >&2
        cat "$PG_TMP/log" >&2
        exit 1
    fi
}
