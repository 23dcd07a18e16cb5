#!/usr/bin/env python3
"""Independent count of inconsistent-text groups (issue #11).

Reads an errata JSON report on stdin and prints one number: how many groups of
definitions inconsistent-text should flag. Written from the flag's definition
in docs/flags.md, not from the Rust code:

* only live definitions (state other than "obsolete") with a non-blank text;
* two definitions are related when they have the same key and locale, and that
  key has, in that locale, definitions in two systems or more with two
  templates or more ("same code, different texts across systems");
* or when they have the same template and locale, and that template has, in
  that locale, two keys or more ("same text, different codes");
* a group is a connected set of related definitions (two or more); each group
  is one flag.
"""
import json
import sys
from collections import defaultdict


def find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def main():
    report = json.load(sys.stdin)
    defs = [
        d
        for d in report["definitions"]
        if d["state"] != "obsolete" and d["text"].strip()
    ]
    parent = list(range(len(defs)))

    def union(a, b):
        ra, rb = find(parent, a), find(parent, b)
        if ra != rb:
            parent[ra] = rb

    by_key = defaultdict(list)
    by_template = defaultdict(list)
    for i, d in enumerate(defs):
        by_key[(d["key"], d["locale"])].append(i)
        by_template[(d["template"], d["locale"])].append(i)
    for members in by_key.values():
        systems = {defs[i]["system"] for i in members}
        templates = {defs[i]["template"] for i in members}
        if len(systems) >= 2 and len(templates) >= 2:
            for i in members[1:]:
                union(members[0], i)
    for members in by_template.values():
        if len({defs[i]["key"] for i in members}) >= 2:
            for i in members[1:]:
                union(members[0], i)
    sizes = defaultdict(int)
    for i in range(len(defs)):
        sizes[find(parent, i)] += 1
    print(sum(1 for n in sizes.values() if n >= 2))


if __name__ == "__main__":
    main()
