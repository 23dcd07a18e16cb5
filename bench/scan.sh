#!/usr/bin/env bash
# Nightly-scan benchmark: a full `errata scan`, an unchanged rescan, and ripgrep
# printing the same captures over the same files, measured in one run.
#
#   bench/scan.sh [SIZE_MB ...]      (default: 256 1024)
#
# For each size it generates a deterministic corpus with ../shared/bench/gen_corpus.py
# (8 rotated-log-like files, seeds 42..49), then prints throughput, the errata/ripgrep
# ratio, the rescan/full ratio and peak RSS (from /usr/bin/time -v).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/bench
[ -f "$shared/gen_corpus.py" ] || { echo "missing $shared/gen_corpus.py" >&2; exit 2; }
if ! command -v rg >/dev/null; then
  apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null
fi
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
errata=target/release/errata

# The client-visible texts of the corpus: userMessage in log4j and JSON lines, and
# the two other log4j styles that show a message to the client.
regex='(?:userMessage"?[:=]"|Returning error to client \[[A-Z]+-\d+\] |Operation failed for clientId=\d+: )(?P<text>[^"\n]+)'

peak_rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1"; }
cpu_s() { awk '/User time/ {u=$4} /System time/ {s=$4} END {print u+s}' "$1"; }
elapsed_s() {
  awk '/Elapsed \(wall clock\)/ {n=split($8,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"
}

printf '%-8s %10s %10s %10s %12s %10s %12s %14s %10s\n' size_mb errata_s rg_s ratio errata_MB/s rescan_s rescan/full rescan/full_cpu rss_MB
for size in "${@:-256 1024}"; do
  work=target/bench-scan/$size
  corpus=$work/corpus/app
  mkdir -p "$corpus"
  per=$(( size / 8 ))
  for i in 0 1 2 3 4 5 6 7; do
    f=$corpus/app.log.$i
    [ -s "$f" ] || python3 "$shared/gen_corpus.py" "$f" --size-mb "$per" --seed $((42 + i)) >/dev/null
  done
  cat > "$work/rules.yaml" <<YAML
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
  bytes=$(cat "$corpus"/app.log.* | wc -c)
  rm -f "$work"/errata.db*
  sync
  cat "$corpus"/app.log.* >/dev/null   # warm cache for both tools alike
  /usr/bin/time -v "$errata" scan "$work/corpus" --rules "$work/rules.yaml" --db "$work/errata.db" \
      --as-of 2024-06-30 --quiet >"$work/full.out" 2>"$work/full.time"
  # /usr/bin/time counts in hundredths: time the (short) rescan with nanoseconds too.
  t0=$(date +%s%N)
  /usr/bin/time -v "$errata" scan "$work/corpus" --rules "$work/rules.yaml" --db "$work/errata.db" \
      --as-of 2024-06-30 --quiet >"$work/rescan.out" 2>"$work/rescan.time"
  t1=$(date +%s%N)
  /usr/bin/time -v rg -o --no-filename --no-line-number -r '$text' -e "$regex" "$corpus" \
      >"$work/rg.out" 2>"$work/rg.time"
  full=$(elapsed_s "$work/full.time"); rgs=$(elapsed_s "$work/rg.time")
  rescan=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
  captures=$(wc -l <"$work/rg.out")
  observed=$(grep -o '[0-9]* observations' "$work/full.out" | cut -d' ' -f1)
  awk -v s="$size" -v f="$full" -v r="$rgs" -v b="$bytes" -v re="$rescan" -v m="$(peak_rss_mb "$work/full.time")" \
      -v fc="$(cpu_s "$work/full.time")" -v rc="$(cpu_s "$work/rescan.time")" \
    'BEGIN { printf "%-8s %10.2f %10.2f %10.2f %12.0f %10.3f %11.2f%% %13.2f%% %10s\n", s, f, r, r/f, b/1e6/f, re, 100*re/f, 100*rc/fc, m }'
  echo "         (errata observations: $observed, ripgrep captures: $captures; ratio = rg_s/errata_s, target >= 0.5;"
  echo "          rescan/full target <= 1%, by wall clock and by CPU time; peak RSS target <= 256 MB)"
done
