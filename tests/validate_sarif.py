"""Validates SARIF logs against the official SARIF 2.1.0 JSON schema.

Usage: python3 validate_sarif.py SCHEMA FILE...
Prints every schema violation and exits 1 if there is any.
The schema comes from .ci/install-test-deps.sh (npm package @microsoft/jest-sarif).
"""
import json
import sys

import jsonschema


def main() -> int:
    schema_path, *files = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    bad = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
        for error in sorted(validator.iter_errors(log), key=lambda e: list(e.path)):
            location = "/".join(str(p) for p in error.path)
            print(f"{path}: /{location}: {error.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
