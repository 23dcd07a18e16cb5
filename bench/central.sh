#!/usr/bin/env bash
# Central-catalog benchmark (#12): the same work into PostgreSQL and into SQLite,
# measured in one run, as a ratio PostgreSQL/SQLite.
#
#   bench/central.sh [GROUPS] [SIZE_MB]      (default: 1000000 1024)
#
# 1. push: a host's SQLite catalog of GROUPS masked groups (one log line each,
#    every masked text distinct) pushed with `errata push --to` a fresh
#    PostgreSQL database, against the same push to a fresh SQLite file.
# 2. scan: SIZE_MB of synthetic logs (../shared/bench/gen_corpus.py, as
#    bench/scan.sh) scanned with `errata scan --db` straight into a fresh
#    PostgreSQL database, against the same scan into a fresh SQLite file.
#
# Each pair runs RUNS times (default 3) in turn, PostgreSQL then SQLite, after one
# warm-up pair; the destination is reset before each run, outside the timing.
# Printed: each side's median wall and CPU seconds (of errata alone, from
# /usr/bin/time -v; PostgreSQL's server CPU is not in errata's CPU) and the
# median of the per-pair wall-clock ratios PostgreSQL/SQLite.
#
# Environment: ERRATA_BENCH_PG, a PostgreSQL URL of a role that may create
# databases (default: the test server of .ci/postgres.sh); ERRATA_BIN, the errata
# to measure (default: target/release/errata, built if missing); RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
groups=${1:-1000000}
size=${2:-1024}
runs=${RUNS:-3}
admin=${ERRATA_BENCH_PG:-postgres://errata:errata-test@127.0.0.1:54329/errata}
export PGOPTIONS="--client-min-messages=warning"   # no NOTICE from DROP … IF EXISTS
shared=../shared/bench
[ -f "$shared/gen_corpus.py" ] || { echo "missing $shared/gen_corpus.py" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql is needed (postgresql-client)" >&2; exit 2; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
errata=${ERRATA_BIN:-target/release/errata}
if [ -z "${ERRATA_BIN:-}" ]; then cargo build --release --quiet; fi

work=target/bench-central
mkdir -p "$work"
db=errata_bench_central
central=${admin%/*}/$db

reset_pg() {
    psql "$admin" -qAt -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
}
reset_sqlite() { rm -f "$1" "$1-wal" "$1-shm" "$1.lock"; }

cpu_s() { awk '/User time/ {u=$4} /System time/ {s=$4} END {print u+s}' "$1"; }

# Runs "$@" under /usr/bin/time; prints "wall cpu" seconds; fails if it does.
timed() {
    local out=$work/timed.out log=$work/timed.time t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -v "$@" >"$out" 2>"$log"; then
        cat "$out" "$log" >&2
        return 1
    fi
    t1=$(date +%s%N)
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }') $(cpu_s "$log")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare NAME PREPARE_PG 'PG COMMAND' PREPARE_SQLITE 'SQLITE COMMAND'
compare() {
    local name=$1 prep_pg=$2 cmd_pg=$3 prep_lite=$4 cmd_lite=$5 pg lite
    : >"$work/$name.pg"; : >"$work/$name.lite"; : >"$work/$name.ratio"
    for run in $(seq 0 "$runs"); do
        $prep_pg; pg=$(timed $cmd_pg)
        $prep_lite; lite=$(timed $cmd_lite)
        [ "$run" = 0 ] && continue   # warm-up pair
        echo "$pg" >>"$work/$name.pg"; echo "$lite" >>"$work/$name.lite"
        awk -v p="${pg%% *}" -v l="${lite%% *}" 'BEGIN { print p / l }' >>"$work/$name.ratio"
    done
    printf '%-6s %12s %12s %12s %12s %14s\n' "$name" \
        "$(cut -d' ' -f1 "$work/$name.pg" | median)" "$(cut -d' ' -f2 "$work/$name.pg" | median)" \
        "$(cut -d' ' -f1 "$work/$name.lite" | median)" "$(cut -d' ' -f2 "$work/$name.lite" | median)" \
        "$(median <"$work/$name.ratio")"
}

# --- the push: a host catalog of $groups masked groups ------------------------
cat >"$work/push-rules.yaml" <<'YAML'
systems:
  - name: app
    roots: [app]
    sources:
      - path: "*.log"
        format: log_lines
        encoding: utf-8
        extractor:
          regex: '^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) WARN shown text="(?P<text>.*)"$'
YAML
host_tree=$work/push-tree
if [ ! -s "$host_tree/app/groups-$groups.log" ]; then
    rm -rf "$host_tree"; mkdir -p "$host_tree/app"
    # Distinct letters (masks keep words, mask numbers): every line its own group.
    python3 - "$groups" >"$host_tree/app/groups-$groups.log" <<'PY'
import string, sys
n = int(sys.argv[1])
letters = string.ascii_lowercase
out = sys.stdout
for i in range(n):
    word, k = "", i
    for _ in range(5):
        word += letters[k % 26]
        k //= 26
    out.write(f"2024-06-{1 + i % 28:02d} 10:{i % 60:02d}:00 WARN shown text=\"Operation declined, reason {word}\"\n")
PY
fi
host_db=$work/host-$groups.db
if [ ! -s "$host_db" ]; then
    "$errata" scan "$host_tree" --rules "$work/push-rules.yaml" --db "$host_db" --host bench-host \
        --as-of 2024-06-30 --quiet
fi
# A push records what it sent in the source: each run pushes from a fresh copy.
push_pg() { reset_pg; cp "$host_db" "$work/source.db"; rm -f "$work/source.db-wal" "$work/source.db-shm"; }
push_lite() { reset_sqlite "$work/central.db"; cp "$host_db" "$work/source.db"; }

printf '%-6s %12s %12s %12s %12s %14s\n' work pg_wall_s pg_cpu_s sqlite_wall_s sqlite_cpu_s ratio_pg/sqlite
compare "push" push_pg \
    "$errata push --db $work/source.db --to $central --rules $work/push-rules.yaml --host bench-host --as-of 2024-06-30" \
    push_lite \
    "$errata push --db $work/source.db --to $work/central.db --rules $work/push-rules.yaml --host bench-host --as-of 2024-06-30"

# --- the scan: $size MB straight in --------------------------------------------
corpus=$work/scan-$size/app
mkdir -p "$corpus"
per=$(( (size + 7) / 8 ))
for i in 0 1 2 3 4 5 6 7; do
    f=$corpus/app.log.$i
    [ -s "$f" ] || python3 "$shared/gen_corpus.py" "$f" --size-mb "$per" --seed $((42 + i)) >/dev/null
done
regex='(?:userMessage"?[:=]"|Returning error to client \[[A-Z]+-\d+\] |Operation failed for clientId=\d+: )(?P<text>[^"\n]+)'
cat >"$work/scan-rules.yaml" <<YAML
systems:
  - name: app
    roots: [app]
    sources:
      - path: "app.log*"
        format: log_lines
        encoding: utf-8
        extractor:
          regex: '$regex'
YAML
scan_pg() { reset_pg; }
scan_lite() { reset_sqlite "$work/scan.db"; }
compare "scan" scan_pg \
    "$errata scan $work/scan-$size --rules $work/scan-rules.yaml --db $central --host bench-host --as-of 2024-06-30 --quiet" \
    scan_lite \
    "$errata scan $work/scan-$size --rules $work/scan-rules.yaml --db $work/scan.db --host bench-host --as-of 2024-06-30 --quiet"
echo "(push: $groups masked groups; scan: $(cat "$corpus"/app.log.* | wc -c) bytes; medians of $runs runs after a warm-up;"
echo " ratio = PostgreSQL wall / SQLite wall, per pair; PostgreSQL on the same machine, fsync as configured there)"
reset_pg
psql "$admin" -qAt -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
