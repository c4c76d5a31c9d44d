#!/usr/bin/env bash
# The project's one test command (CI runs it through .ci/run).
#
#   ./test.sh                         build once, run every tests/*/*.Tests.csproj
#   ./test.sh --filter Name~Ledger    extra args go to every `dotnet test`
#   MBUSHJA_TEST_PROJECTS="tests/A/A.csproj tests/B/B.csproj" ./test.sh
#
# Storage tests need a real PostgreSQL, so this script starts a private,
# throwaway cluster on a free loopback port and passes it to the tests in
# MBUSHJA_TEST_PG. It never uses (or stops) the machine's own cluster/service.
#
# The very last line of output is always the totals, "N passed, N failed"
# (plus ", N skipped" when there are skipped tests), so tools can read it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# ---------------------------------------------------------------- packages --

APT_UPDATED=
# apt-get install, with sudo only when not root; `apt-get update` at most once
# per run, since a fresh machine has no package lists.
apt_install() {
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    if [ -z "$APT_UPDATED" ]; then
        "${sudo[@]}" apt-get update
        APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# Prints the directory holding initdb/pg_ctl/postgres, if any. Debian keeps
# them off PATH (/usr/lib/postgresql/<ver>/bin), hence the several places.
find_pg_bindir() {
    local candidates=() d
    if command -v pg_config >/dev/null 2>&1; then
        candidates+=("$(pg_config --bindir 2>/dev/null || true)")
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        candidates+=("$d")
    done
    if command -v initdb >/dev/null 2>&1; then
        # Resolve symlinks so pg_ctl and postgres come from the same install.
        candidates+=("$(dirname "$(readlink -f "$(command -v initdb)")")")
    fi
    for d in "${candidates[@]}"; do
        if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

ensure_postgres() {
    if ! PG_BIN="$(find_pg_bindir)"; then
        echo "test.sh: PostgreSQL server binaries not found; installing them" >&2
        apt_install postgresql
        PG_BIN="$(find_pg_bindir)" || { echo "test.sh: still no initdb after install" >&2; return 1; }
    fi
}

# Optional extras, switched on by marker files so that the common case stays fast.
ensure_extras() {
    if [ -f "$ROOT/tests/needs-chromium" ] && [ ! -x /usr/bin/chromium ]; then
        apt_install chromium
    fi
    if [ -f "$ROOT/tests/needs-npm" ]; then
        # Tests that run a node program (the SMPP interoperability peer) need node itself: installed, never skipped.
        if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
            apt_install nodejs npm
        fi
        local dir
        while IFS= read -r dir || [ -n "$dir" ]; do
            dir="${dir%%#*}"; dir="$(echo "$dir" | xargs)"   # drop comments, trim
            [ -n "$dir" ] || continue
            [ -d "$ROOT/$dir/node_modules" ] || (cd "$ROOT/$dir" && npm ci)
        done < "$ROOT/tests/needs-npm"
    fi
    if [ -f "$ROOT/tests/needs-pg-auto-failover" ]; then
        # deploy/pg-ha needs pg_autoctl and the monitor's extension built for the PostgreSQL found above.
        local major
        major="$("$PG_BIN/postgres" --version | awk '{ split($3, v, "."); print v[1] }')"
        if ! command -v pg_autoctl >/dev/null 2>&1 || [ ! -e "$(dirname "$PG_BIN")/lib/pgautofailover.so" ]; then
            apt_install "postgresql-$major-auto-failover" pg-auto-failover-cli
        fi
    fi
}

# -------------------------------------------------------- throwaway cluster --

PG_TMP=      # temp dir: data/, socket, logs; removed by pg_stop
PG_PORT=
PG_RUNAS=()  # prefix to run the server binaries as a non-root user

# initdb and postgres refuse to run as root, so as root use the `postgres`
# OS user (made by the Debian package) or a dedicated system user.
pg_os_user() {
    if id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        id -u mbushja-pg >/dev/null 2>&1 \
            || useradd -r -M -d /nonexistent -s /usr/sbin/nologin mbushja-pg >&2
        echo mbushja-pg
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A random high port nobody listens on (bash /dev/tcp: no python/ss needed).
pick_port() {
    local p i
    for i in $(seq 1 50); do
        p=$(( 20000 + RANDOM % 30000 ))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# Runs a server binary as the cluster's owner; from inside PG_TMP so that an
# unreadable cwd (e.g. /root) does not bother the postgres user.
pg_run() {
    local bin="$1"; shift
    (cd "$PG_TMP" && "${PG_RUNAS[@]}" "$PG_BIN/$bin" "$@")
}

# Starts the cluster; sets PG_TMP and PG_PORT. Needs PG_BIN (ensure_postgres).
pg_start() {
    # /tmp rather than $TMPDIR: the postgres user must be able to reach it, and
    # the socket path must stay short.
    PG_TMP="$(mktemp -d /tmp/mbushja-pg.XXXXXX)"
    if [ "$(id -u)" -eq 0 ]; then
        local user; user="$(pg_os_user)"
        chown "$user:" "$PG_TMP"
        PG_RUNAS=(runuser -u "$user" --)
    fi
    # --no-locale: same collation everywhere, whatever the machine's LANG.
    if ! pg_run initdb -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --no-locale \
            >"$PG_TMP/initdb.log" 2>&1; then
        cat "$PG_TMP/initdb.log" >&2
        return 1
    fi
    # A port can be taken between the probe and the start: retry on another.
    local attempt
    for attempt in 1 2 3 4 5; do
        PG_PORT="$(pick_port)"
        if pg_run pg_ctl -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=on -c max_connections=200" \
                start >/dev/null 2>&1; then
            return 0
        fi
    done
    echo "test.sh: could not start PostgreSQL; its log:" >&2
    cat "$PG_TMP/postgres.log" >&2 || true
    return 1
}

# Stops the cluster and removes its files. Idempotent; fast, then immediate
# shutdown, then kill, so that nothing is left running.
pg_stop() {
    [ -n "$PG_TMP" ] || return 0
    if [ -f "$PG_TMP/data/postmaster.pid" ]; then
        pg_run pg_ctl -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || pg_run pg_ctl -D "$PG_TMP/data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || kill -9 "$(head -n1 "$PG_TMP/data/postmaster.pid")" 2>/dev/null \
            || true
    fi
    rm -rf "$PG_TMP"
    PG_TMP=
}

# ----------------------------------------------------------------- TRX files --

# Value of one attribute of <Counters .../> (in <ResultSummary>), or empty.
trx_counter() {
    tr '\r\n\t' '   ' < "$1" \
        | grep -o '<Counters [^>]*>' | head -n1 \
        | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9][0-9]*' || true
}

# Prints "passed failed skipped" for one TRX file. Errors, timeouts and
# aborts count as failures.
trx_totals() {
    local total passed failed=0 skipped a v
    total="$(trx_counter "$1" total)"; total="${total:-0}"
    passed="$(trx_counter "$1" passed)"; passed="${passed:-0}"
    for a in failed error timeout aborted; do
        v="$(trx_counter "$1" "$a")"
        failed=$(( failed + ${v:-0} ))
    done
    # VSTest writes notExecuted="0" even when xunit skipped tests, so take
    # the larger of notExecuted and total-passed-failed.
    skipped="$(trx_counter "$1" notExecuted)"; skipped="${skipped:-0}"
    v=$(( total - passed - failed ))
    [ "$v" -le "$skipped" ] || skipped="$v"
    echo "$passed $failed $skipped"
}

# --------------------------------------------------------------------- main --

cleanup() { pg_stop >/dev/null 2>&1 || true; }

# A setup step failed: say so, and still end with a totals line.
setup_failed() {
    cleanup
    echo "test.sh: $1"
    echo "0 passed, 1 failed"
    return 1
}

main() {
    cd "$ROOT"
    trap cleanup EXIT          # safety net; prints nothing
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local projects=()
    if [ -n "${MBUSHJA_TEST_PROJECTS:-}" ]; then
        read -r -a projects <<< "$MBUSHJA_TEST_PROJECTS"
    else
        projects=(tests/*/*.Tests.csproj)
        [ -e "${projects[0]}" ] || projects=()
    fi
    if [ "${#projects[@]}" -eq 0 ]; then
        echo "test.sh: no test projects found"
        echo "0 passed, 0 failed"
        return 1
    fi

    ensure_postgres || { setup_failed "could not get PostgreSQL"; return 1; }
    ensure_extras || { setup_failed "could not install the extra test dependencies"; return 1; }

    # Build once, so that each `dotnet test --no-build` only runs tests.
    local build_ok=1 p
    if [ -n "${MBUSHJA_TEST_PROJECTS:-}" ] || [ ! -f Mbushja.slnx ]; then
        for p in "${projects[@]}"; do
            dotnet build "$p" -c Release -warnaserror || { build_ok=0; break; }
        done
    else
        dotnet build Mbushja.slnx -c Release -warnaserror || build_ok=0
    fi
    [ "$build_ok" -eq 1 ] || { setup_failed "BUILD FAILED"; return 1; }
    # The ./mbushja wrapper builds the program into .build/cli on first use; tests that run it (and their timeouts)
    # should measure the program, not a cold build on a busy machine. Built through the wrapper itself.
    ./mbushja --help >/dev/null || { setup_failed "BUILD FAILED (./mbushja)"; return 1; }

    pg_start || { setup_failed "could not start PostgreSQL"; return 1; }
    export MBUSHJA_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
    echo "test.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

    # One results folder per run; keep only the latest few.
    local run_dir
    run_dir="$ROOT/.test-runs/$(date -u +%Y%m%dT%H%M%SZ)-$$"
    mkdir -p "$run_dir"
    ln -sfn "$(basename "$run_dir")" "$ROOT/.test-runs/latest"
    find "$ROOT/.test-runs" -mindepth 1 -maxdepth 1 -type d -name '2*' | sort -r | tail -n +11 \
        | while IFS= read -r old; do rm -rf "$old"; done

    local passed=0 failed=0 skipped=0 notes=() name rc trx pf pp ps proj_failed
    for p in "${projects[@]}"; do
        name="$(basename "$p" .csproj)"
        echo "=== $name"
        rc=0
        dotnet test "$p" -c Release --no-build \
            --logger "trx;LogFileName=$name.trx" --results-directory "$run_dir/$name" \
            "$@" || rc=$?
        proj_failed=0
        shopt -s nullglob
        local trxs=("$run_dir/$name"/*.trx)
        shopt -u nullglob
        if [ "${#trxs[@]}" -eq 0 ]; then
            notes+=("test.sh: $p produced no results (dotnet test exit code $rc); counted as 1 failed")
            failed=$(( failed + 1 ))
            continue
        fi
        for trx in "${trxs[@]}"; do
            read -r pp pf ps < <(trx_totals "$trx")
            passed=$(( passed + pp )); failed=$(( failed + pf )); skipped=$(( skipped + ps ))
            proj_failed=$(( proj_failed + pf ))
        done
        # e.g. the test host crashed after writing a partial TRX.
        if [ "$rc" -ne 0 ] && [ "$proj_failed" -eq 0 ]; then
            notes+=("test.sh: $p exited with code $rc but reported no failed test; counted as 1 failed")
            failed=$(( failed + 1 ))
        fi
    done

    # Stop the cluster now, so nothing can print after the totals line.
    pg_stop >/dev/null 2>&1 || true

    echo "test.sh: results in ${run_dir#"$ROOT"/}"
    local n
    for n in "${notes[@]}"; do echo "$n"; done
    if [ $(( passed + failed )) -eq 0 ]; then
        echo "test.sh: no test was executed"
    fi
    if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ] && [ $(( passed + failed )) -gt 0 ]
}

# Run only when executed, so the functions above can be sourced and tried alone.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
