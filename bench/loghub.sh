#!/usr/bin/env bash
# Loghub-2k clustering benchmark: grouping accuracy of `errata cluster` on the 16
# datasets (one default configuration), then throughput against Drain3 on the same
# 1,000,000-line corpus, measured in the same run. See docs/benchmarks.md.
#
# Usage: bench/loghub.sh [LINES]   (from the project root; LINES default 1000000)
# Needs: cargo, python3 (drain3 is pip-installed if missing), and ../shared/bench (the kit).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
kit="${ERRATA_BENCH_KIT:-$root/../shared/bench}"
lines="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -c 'import drain3' 2>/dev/null || python3 -m pip install --quiet drain3
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
errata="$root/target/release/errata"

echo "== grouping accuracy (Loghub-2k, corrected ground truth)"
mkdir -p "$work/in" "$work/pred"
python3 - "$kit/loghub2k" "$work/in" <<'PY'
import csv, sys, pathlib
csv.field_size_limit(1 << 30)
data, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for d in sorted(p.name for p in data.iterdir() if p.is_dir()):
    with open(data / d / f"{d}_2k.log_structured_corrected.csv", newline="", encoding="utf-8", errors="replace") as f:
        rows = [r["Content"].replace("\n", " ") for r in csv.DictReader(f)]
    (out / f"{d}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
PY
for f in "$work"/in/*.txt; do
    d="$(basename "$f" .txt)"
    "$errata" cluster "$f" > "$work/pred/$d.csv"
done
python3 "$kit/score_grouping.py" --all "$work/pred"

echo
echo "== matching at scale"
cargo run --release --quiet --manifest-path "$root/Cargo.toml" --example match_scale

echo
echo "== throughput on $lines lines (single thread, CPU seconds)"
python3 "$kit/drain3_throughput.py" --write-corpus "$work/corpus.txt" --lines "$lines"
cpu_of() { { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}'; }
errata_cpu="$(cpu_of "$errata" cluster "$work/corpus.txt")"
# The same corpus with a line number in front of each line: no two lines equal,
# so nothing is saved by masking and clustering repeated lines once.
awk '{print NR " " $0}' "$work/corpus.txt" > "$work/corpus_distinct.txt"
distinct_cpu="$(cpu_of "$errata" cluster "$work/corpus_distinct.txt")"
drain_json="$(python3 "$kit/drain3_throughput.py" --lines "$lines" --mode generic)"
drain_cpu="$(printf '%s' "$drain_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu_s"])')"
python3 - "$lines" "$errata_cpu" "$distinct_cpu" "$drain_cpu" <<'PY'
import sys
n = int(sys.argv[1])
e, u, d = (max(float(x), 0.001) for x in sys.argv[2:5])
print(f"errata cluster:          {e:6.2f} CPU-s, {n / e:>10,.0f} lines per CPU-second (whole process: read, mask, cluster, write CSV)")
print(f"errata, all lines differ: {u:5.2f} CPU-s, {n / u:>10,.0f} lines per CPU-second")
print(f"drain3 generic:          {d:6.2f} CPU-s, {n / d:>10,.0f} lines per CPU-second (add_log_message loop only)")
print(f"ratio errata/drain3: {d / e:.1f}x (all lines differ: {d / u:.1f}x)")
PY
