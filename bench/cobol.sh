#!/usr/bin/env bash
# COBOL programs (issue #10): `errata scan` of N generated CICS programs (with
# their copybooks and BMS maps, zero-config) against ripgrep finding `MOVE '`
# in the same files, timed by farm-bench as whole processes, A/B in turn.
#
#   bench/cobol.sh [PROGRAMS]      (default 10000)
#
# Each program is CardDemo-sized in shape: working storage with a message
# field and level-88 texts, `COPY` of a message copybook and of its symbolic
# map, twenty `MOVE 'literal' TO WS-MESSAGE`, a `STRING … INTO`, and the move to
# the screen field. Prints farm-bench's report (quote the medians) and the
# number of definitions the scan stored.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }
command -v farm-bench >/dev/null || { echo "bench/cobol.sh needs farm-bench" >&2; exit 2; }
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
farm-bench -n 3 --timeout 1200 --vs "rg -c \"MOVE '\" app" -- \
  sh -c "rm -f '$db' && exec '$errata' scan . --quiet --db '$db'"
printf 'definitions stored: %s, warnings: %s\n' "$(sqlite3 "$db" 'SELECT COUNT(*) FROM definitions')" \
  "$(sqlite3 "$db" 'SELECT COUNT(*) FROM warnings')"
