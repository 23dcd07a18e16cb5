#!/usr/bin/env bash
# COBOL programs (issue #10): `errata scan` of N generated CICS programs (with
# their copybooks and BMS maps, zero-config) against ripgrep finding `MOVE '`
# in the same files, timed as whole processes by /usr/bin/time -v, A/B in turn.
#
#   bench/cobol.sh [PROGRAMS]      (default 10000)
#
# Each program is CardDemo-sized in shape: working storage with a message
# field and level-88 texts, `COPY` of a message copybook and of its symbolic
# map, twenty `MOVE 'literal' TO WS-MESSAGE`, a `STRING … INTO`, and the move to
# the screen field. Runs one warm-up pair, then RUNS pairs (default 3), and
# prints each side's median wall and CPU seconds and peak RSS, the median of
# the per-pair wall ratios, and the number of definitions the scan stored.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
runs=${RUNS:-3}
cargo build --release --quiet
errata=$PWD/target/release/errata
work=$PWD/target/bench-cobol/$n
if [ ! -d "$work/app/cbl" ]; then
  mkdir -p "$work/app/cbl" "$work/app/cpy" "$work/app/bms"
  python3 - "$work/app" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
def fixed(lines):
    return "".join(f"{i:06d} {l}\n" for i, l in enumerate(lines, 1))
maps = 50
for m in range(maps):
    name = f"MAP{m:04d}"
    with open(f"{root}/bms/{name}.bms", "w") as f:
        f.write(f"{name} DFHMSD TYPE=&&SYSPARM,LANG=COBOL\n{name}A DFHMDI SIZE=(24,80)\n"
                "        DFHMDF POS=(1,1),LENGTH=12,INITIAL='Account no :'\n"
                "ERRMSG  DFHMDF ATTRB=(ASKIP,BRT),POS=(23,1),LENGTH=78\n        DFHMSD TYPE=FINAL\n")
    with open(f"{root}/cpy/{name}.cpy", "w") as f:
        f.write(fixed([f"01  {name}AI.", "    02  FILLER PIC X(12).", "    02  ERRMSGI PIC X(78).",
                       f"01  {name}AO REDEFINES {name}AI.", "    02  FILLER PIC X(12).",
                       "    02  ERRMSGO PIC X(78)."]))
with open(f"{root}/cpy/MSGS.cpy", "w") as f:
    f.write(fixed(["01  COMMON-MESSAGES.",
                   "    05  MSG-THANKS PIC X(50)",
                   "        VALUE 'Thank you for banking with us'.",
                   "    05  MSG-BADKEY PIC X(50) VALUE 'Invalid key pressed'."]))
for p in range(n):
    name, m = f"PGM{p:05d}C", f"MAP{p % maps:04d}"
    lines = ["IDENTIFICATION DIVISION.", f"PROGRAM-ID. {name}.", "DATA DIVISION.",
             "WORKING-STORAGE SECTION.", "01  WS-VARS.",
             f"    05  WS-PGMNAME   PIC X(08) VALUE '{name}'.",
             "    05  WS-FLAG      PIC X(01) VALUE 'N'.",
             "    05  WS-MESSAGE   PIC X(80) VALUE SPACES.",
             "        88  WS-NO-INPUT VALUE 'No input received'.",
             "COPY MSGS.", f"COPY {m}.", "PROCEDURE DIVISION.", "MAIN-PARA."]
    for k in range(20):
        lines += [f"    IF WS-FLAG = '{k % 10}'",
                  f"        MOVE 'Error {k} in program {p}: please try again'",
                  "          TO WS-MESSAGE",
                  "    END-IF"]
    lines += ["    STRING 'Account ' DELIMITED BY SIZE",
              "        WS-PGMNAME DELIMITED BY SPACE",
              "        ' is locked' DELIMITED BY SIZE INTO WS-MESSAGE",
              "    MOVE 'Y' TO WS-FLAG",
              "    MOVE MSG-THANKS TO WS-MESSAGE",
              f"    MOVE WS-MESSAGE TO ERRMSGO OF {m}AO",
              f"    EXEC CICS SEND MAP('{m}A') MAPSET('{m}') END-EXEC",
              "    GOBACK."]
    assert all(len(l) <= 65 for l in lines), name  # the code area, columns 8-72
    with open(f"{root}/cbl/{name}.cbl", "w") as f:
        f.write(fixed(lines))
PY
fi
# Scanned from the folder above app/: zero-config makes app one system, so
# programs find the copybooks and maps beside them.
db=$work.db
cd "$work"
# timed LOG CMD…: runs CMD under /usr/bin/time -v; prints "wall cpu rss_mb".
timed() {
  local log=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
  awk '/Elapsed \(wall clock\)/ {n=split($8,a,":"); w=0; for(i=1;i<=n;i++) w=w*60+a[i]}
       /User time/ {u=$4} /System time/ {s=$4} /Maximum resident/ {m=$6/1024}
       END {printf "%.3f %.3f %.0f\n", w, u+s, m}' "$log"
}
scan() { rm -f "$db"; timed "$work.time" "$errata" scan . --quiet --db "$db"; }
grep_moves() { timed "$work.time" rg -c "MOVE '" app; }
scan >/dev/null; grep_moves >/dev/null   # warm-up pair
: >"$work.pairs"
for _ in $(seq "$runs"); do
  echo "$(scan) $(grep_moves)" >>"$work.pairs"
done
python3 - "$work.pairs" <<'PY'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda i: st.median(r[i] for r in rows)
print(f"{'':22} {'wall_s':>8} {'cpu_s':>8} {'peak_MiB':>9}")
print(f"{'errata scan':22} {med(0):8.3f} {med(1):8.3f} {med(2):9.0f}")
rg = 'rg -c "MOVE \'"'
print(f"{rg:22} {med(3):8.3f} {med(4):8.3f} {med(5):9.0f}")
ratios = [r[0] / r[3] for r in rows if r[3] > 0]
print(f"wall ratio errata/rg, median of {len(rows)} pairs: {st.median(ratios):.0f}"
      f" ({min(ratios):.0f}-{max(ratios):.0f})")
PY
printf 'definitions stored: %s, warnings: %s\n' "$(sqlite3 "$db" 'SELECT COUNT(*) FROM definitions')" \
  "$(sqlite3 "$db" 'SELECT COUNT(*) FROM warnings')"
