#!/usr/bin/env bash
# Hostile inputs (issue #14): peak RSS and wall time of `errata scan` on each
# input that used to abort the scan or blow up, at two sizes, with the ratios.
#
#   bench/hostile.sh [SCALE]      (default 1; SCALE 2 doubles every size)
#
# The second size is twice the first. A time ratio near 2 is linear growth; an
# RSS ratio near 1 means memory bounded by buffers and caps, not by the input;
# a time ratio near 1 means the work is bounded by a cap. Each scan also holds
# a normal catalog and log, and must exit 0 with a warning naming the file
# (but for digit_run, a valid text of 0.5 and 1 MB that masking once took hours on).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
command -v zstd >/dev/null || { apt-get update -qq && apt-get install -y -qq zstd >/dev/null; }
scale="${1:-1}"
cargo build --release --quiet
errata=$PWD/target/release/errata
work=$PWD/target/bench-hostile
rm -rf "$work"
mkdir -p "$work"

cat >"$work/rules.yaml" <<'YAML'
systems:
  - name: app
    roots: [app]
    sources:
      - path: "*.json"
        format: json_i18n
      - path: "*.yml"
        format: yaml
      - path: "*.resx"
        format: resx
      - path: "*.cpy"
        format: cobol
      - path: "*.log*"
        format: log_lines
        extractor:
          regex: 'msg=(?P<text>.*)$'
YAML

# hostile_file CASE N DIR: writes the hostile file of size parameter N into DIR.
hostile_file() {
  local case=$1 n=$2 dir=$3
  case $case in
    deep_json) # a catalog nested N levels (7,000 aborted the scan)
      python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write('{\n\"ok\": \"x\",\n\"deep\": ' + '{\"a\": '*n + '\"x\"' + '}'*n + '\n}\n')" "$n" >"$dir/deep_ru.json" ;;
    deep_xml) # a resx file nested N elements
      python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write('<root>\n<data name=\"k\"><value>' + '<b>'*n + '</value></data></root>')" "$n" >"$dir/deep.ru.resx" ;;
    yaml_flow) # N nested [ in a YAML catalog (100,000 took a minute)
      python3 -c "import sys; sys.stdout.write('a: ok\nb: ' + '['*int(sys.argv[1]) + '\n')" "$n" >"$dir/deep_ru.yml" ;;
    huge_line) # one log line of N MiB, terminated (200 MB took 2 GB)
      python3 -c "import sys; sys.stdout.write('2024-06-01 ERROR msg=' + 'x'*(int(sys.argv[1])<<20) + '\n2024-06-01 ERROR msg=after\n')" "$n" >"$dir/huge.log" ;;
    digit_run) # one client text of N groups of digits (13,000 took 45 s to mask)
      python3 -c "import sys; sys.stdout.write('2024-06-01 ERROR msg=Счёт ' + '1234 '*int(sys.argv[1]) + '\n')" "$n" >"$dir/digits.log" ;;
    letter_run) # one catalog text of N×1000 times one letter (64K took minutes to index)
      python3 -c "import sys, json; sys.stdout.write(json.dumps({'run': 'я'*(int(sys.argv[1])*1000)}, ensure_ascii=False))" "$n" >"$dir/run_ru.json" ;;
    numbered) # a catalog of N texts that differ only in a number (2,000 took 3.5 GB)
      python3 -c "import sys, json; sys.stdout.write(json.dumps({f'pay.{i}': f'Payment {i} was rejected' for i in range(int(sys.argv[1]))}))" "$n" >"$dir/numbered_ru.json" ;;
    huge_pic) # a copybook VALUE in a PIC X(N×1000) (PIC X(134217727) took 7 GB)
      printf '       01  ERR-REC.\n           05  ERR-TEXT  PIC X(%d) VALUE %s.\n' "$((n * 1000))" "'Card blocked'" >"$dir/ERRS.cpy" ;;
    open_line) # one log line of N MiB still without its newline
      python3 -c "import sys; sys.stdout.write('2024-06-01 ERROR msg=' + 'x'*(int(sys.argv[1])<<20))" "$n" >"$dir/open.log" ;;
    gzip_bomb | zstd_bomb) # N GiB of one repeated line, ~1000:1 (gzip's maximum)
      local member=$work/member.$case out
      if [ ! -s "$member" ]; then
        # 64 MiB of one 128-byte line, compressed once.
        python3 -c "import sys; sys.stdout.write(('2024-06-01 ERROR msg=' + 'A'*106 + '\n')*(1<<19))" >"$work/block"
        if [ "$case" = gzip_bomb ]; then gzip -9 -c "$work/block" >"$member"; else zstd -3 -q -c "$work/block" >"$member"; fi
        rm -f "$work/block"
      fi
      if [ "$case" = gzip_bomb ]; then out=$dir/bomb.log.1.gz; else out=$dir/bomb.log.1.zst; fi
      # Members (frames) of 64 MiB, concatenated: N GiB in all.
      for _ in $(seq $((n * 16))); do cat "$member"; done >"$out" ;;
  esac
}

# The size parameter of each case at SCALE 1.
declare -A base=([deep_json]=500000 [deep_xml]=1000000 [yaml_flow]=1000000
                 [huge_line]=100 [open_line]=100 [digit_run]=100000 [letter_run]=256
                 [numbered]=5000 [huge_pic]=65536 [gzip_bomb]=1 [zstd_bomb]=1)
order=(deep_json deep_xml yaml_flow huge_line open_line digit_run letter_run numbered huge_pic
       gzip_bomb zstd_bomb)

rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1"; }
wall_s() { awk '/Elapsed \(wall clock\)/ {n=split($8,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }

# run CASE N: scans a tree with the hostile file; prints "bytes seconds rss_mb".
run() {
  local case=$1 n=$2 tree=$work/$1-$2
  mkdir -p "$tree/app"
  printf '{\n  "ok.key": "Операция выполнена"\n}\n' >"$tree/app/ok_ru.json"
  printf '2024-06-01 ERROR msg=Сервис временно недоступен\n' >"$tree/app/ok.log"
  hostile_file "$case" "$n" "$tree/app"
  local bytes
  bytes=$(du -cb "$tree/app" | tail -1 | cut -f1)
  /usr/bin/time -v "$errata" scan "$tree" --rules "$work/rules.yaml" --db "$tree/errata.db" \
      --as-of 2024-06-30 >"$tree/out" 2>"$tree/time" || { cat "$tree/time" >&2; exit 1; }
  # (A long run of digits or letters, numbered texts and a wide PICTURE are no
  # errors: they are read whole, and only time and memory tell.)
  case $case in digit_run | letter_run | numbered | huge_pic) ;; *) false ;; esac || grep -q "^warning: $tree/app/\\(deep\\|huge\\|open\\|bomb\\)" "$tree/time" \
      || { echo "$case: no warning naming the file" >&2; exit 1; }
  python3 - "$tree/errata.db" <<'PY' || { echo "$case: the normal files were not stored" >&2; exit 1; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
defs = db.execute("SELECT COUNT(*) FROM definitions WHERE key = 'ok.key'").fetchone()[0]
seen = db.execute("SELECT COUNT(*) FROM templates WHERE template = 'Сервис временно недоступен'").fetchone()[0]
sys.exit(0 if (defs, seen) == (1, 1) else 1)
PY
  echo "$bytes $(wall_s "$tree/time") $(rss_mb "$tree/time")"
  rm -f "$tree/app/"*
}

printf '%-10s %10s %10s %8s %8s %7s %8s %8s %7s  %s\n' \
  case input_MB input2_MB time_s time2_s ratio rss_MB rss2_MB ratio warning
for case in "${order[@]}"; do
  n1=$((base[$case] * scale)); n2=$((n1 * 2))
  r1=$(run "$case" "$n1")
  r2=$(run "$case" "$n2")
  read -r b1 t1 m1 <<<"$r1"
  read -r b2 t2 m2 <<<"$r2"
  warning=$(grep -m1 '^warning: ' "$work/$case-$n2/time" | sed "s|$work/$case-$n2/||" | cut -c1-100 || true)
  awk -v c="$case" -v b1="$b1" -v b2="$b2" -v t1="$t1" -v t2="$t2" -v m1="$m1" -v m2="$m2" -v w="$warning" \
    'BEGIN { printf "%-10s %10.1f %10.1f %8.2f %8.2f %7.2f %8d %8d %7.2f  %s\n",
             c, b1/1048576, b2/1048576, t1, t2, (t1 > 0 ? t2/t1 : 0), m1, m2, m2/m1, w }'
done
echo "(input_MB: on disk, compressed for the bombs; ratio = second size / first size)"
