#!/usr/bin/env bash
# Installs what the report and check tests need beyond cargo:
#  - Debian's chromium, for tests/html_report.rs (the HTML report in a real browser);
#  - the official SARIF 2.1.0 JSON schema (shipped in the npm package
#    @microsoft/jest-sarif as lib/schemas/sarif-2.1.0-rtm.5.json) and Python's
#    jsonschema validator, for tests/check.rs (SARIF output validated against it);
#  - Debian's PostgreSQL server, started by .ci/postgres.sh, for the central
#    catalog tests (tests/central.rs): they never skip, so the server must run.
# Idempotent; part of the README's test command (and so of .ci/run).
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

schema_dir=/opt/errata-ci
schema="$schema_dir/sarif-schema-2.1.0.json"
if [ ! -s "$schema" ]; then
    if ! command -v npm >/dev/null; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm
    fi
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
    tar -xzf "$work"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
    mkdir -p "$schema_dir"
    cp "$work"/package/lib/schemas/sarif-2.1.0-rtm.5.json "$schema"
    rm -rf "$work"
fi

if ! python3 -c 'import jsonschema' 2>/dev/null; then
    # pip where the Python allows it; Debian's package where pip is refused
    # (an "externally managed" system Python).
    python3 -m pip install --quiet 'jsonschema>=4.20' || {
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-jsonschema
    }
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
bash "$(dirname "$0")/postgres.sh" start
