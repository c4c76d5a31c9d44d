# What bench/sms and bench/ussd share (sourced, not run): build a benchmark project in Release, start a private
# throwaway PostgreSQL cluster exactly like ./test.sh when the run needs one, run it, stop the cluster, and keep the
# results table in bench/.results/.
#
#   run_bench <name> <project folder under bench/> [bench options...]
#
# A run needs no cluster when it says --engines without postgres.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../test.sh
source "$root/test.sh"

run_bench() {
    local name="$1" project="$2"
    shift 2
    trap 'pg_stop >/dev/null 2>&1 || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local need_pg=1 prev= arg
    for arg in "$@"; do
        if [ "$prev" = "--engines" ] && ! [[ "$arg" =~ (postgres|pg) ]]; then
            need_pg=0
        fi
        prev="$arg"
    done

    local artifacts="$root/.build/bench-$name"
    mkdir -p "$root/.build"
    echo "bench/$name: building (Release) at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "no commit")"
    if ! dotnet build "$root/bench/$project/$project.csproj" -c Release -warnaserror \
            --artifacts-path "$artifacts" --nologo -v q >"$artifacts.log" 2>&1; then
        cat "$artifacts.log" >&2
        echo "bench/$name: build failed" >&2
        exit 1
    fi
    local dll="$artifacts/bin/$project/release/$project.dll"

    local pg_args=()
    if [ "$need_pg" -eq 1 ]; then
        ensure_postgres
        pg_start
        echo "bench/$name: PostgreSQL on 127.0.0.1:$PG_PORT (throwaway, fsync=on)"
        pg_args=(--pg "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Maximum Pool Size=100")
    fi

    mkdir -p "$root/bench/.results"
    local out rc=0
    out="$root/bench/.results/$name-$(date -u +%Y%m%dT%H%M%SZ).md"
    dotnet "$dll" "${pg_args[@]}" --out "$out" "$@" || rc=$?
    pg_stop >/dev/null 2>&1 || true
    [ -f "$out" ] && echo "bench/$name: results kept in ${out#"$root"/}"
    exit "$rc"
}
