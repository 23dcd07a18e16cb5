#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 60), one after the other, each
# in one process on one core (no -jobs: libFuzzer would fork and log to
# ./fuzz-N.log), and prints a table of targets, executions and results.
#
#   tests/fuzz/run-all.sh [SECONDS] [TARGET...]
#
# Run from anywhere inside the repository. Corpora are seeded from
# fixtures/formats/ (see seed_dirs) and with deep-nesting and long-run inputs
# in each target's syntax (hostile_seeds.py, issue #14); crashes land in
# tests/fuzz/artifacts/<target>/.
# Stable Rust works: targets are built without a sanitizer (`-s none`).
set -uo pipefail

seconds="${1:-60}"
shift || true
root="$(git rev-parse --show-toplevel)"
cd "$root"
fuzz_dir=tests/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list --fuzz-dir "$fuzz_dir")
fi

# The fixture folders whose files seed a target's corpus.
seed_dirs() {
    case "$1" in
        json_lines | log4j | syslog | w3c | kv | fixed_width | log_lines | mask) echo logs ;;
        json_i18n) echo json ;;
        read) echo encodings ;;
        kotlin) echo java ;;
        cobol_program) echo ../cobol/app/cbl ;;
        bms) echo ../cobol/app/bms ;;
        *) echo "$1" ;;
    esac
}

cargo fuzz build --fuzz-dir "$fuzz_dir" -s none || exit 1
mkdir -p "$fuzz_dir/logs"
printf '| target | executions | result |\n|---|---:|---|\n'
failed=0
for target in "${targets[@]}"; do
    corpus="$fuzz_dir/corpus/$target"
    mkdir -p "$corpus"
    seeds="fixtures/formats/$(seed_dirs "$target")"
    if [ -d "$seeds" ]; then
        find "$seeds" -type f -exec cp -n {} "$corpus/" \;
    fi
    python3 "$fuzz_dir/hostile_seeds.py" "$target" "$corpus" || exit 1
    log="$fuzz_dir/logs/$target.log"
    if cargo fuzz run --fuzz-dir "$fuzz_dir" -s none "$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see $log)"
        failed=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    printf '| %s | %s | %s |\n' "$target" "${execs:-?}" "$result"
done
exit "$failed"
