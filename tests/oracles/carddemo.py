#!/usr/bin/env python3
"""Independent count of CardDemo's screen texts (issue #10), for tests/carddemo.rs.

Reads ../shared/corpus/carddemo/app with regular expressions of its own (no
code shared with errata) and prints, as JSON:

- "programs": every [path, line, text] a program can put on a screen field:
  `MOVE 'lit' TO f`, `STRING … INTO f` (fields and FUNCTIONs as `<*>`), the
  VALUE and level-88 VALUEs of a program's own items, where `f` is an `…O`
  field of a symbolic map record (`01 xxxO REDEFINES xxxI` in app/cpy-bms) or
  reaches one through `MOVE g TO h` / `STRING … g … INTO h` chains;
- groups of a program built of FILLER VALUE pieces and fields that reach a
  screen, as a template at the group's line (`File Error: <*> on <*> …`);
- "copybooks": [path, line, text] of copybook VALUE items that reach a screen
  in some program (line of the item's entry);
- "bms_fields": the number of named DFHMDF fields (each one limit);
- "bms_labels": [path, line, text] of INITIAL texts of protected fields.

Left out on purpose, and why:
- literals without a word of two letters ('*', '0', 'Y', '-----') and codes
  (one word of capitals and digits: program names 'COSGN00C', transaction ids
  'CC00') even when moved to a screen field (PGMNAMEO, TRNNAMEO): not texts;
- menu option names (COMEN02Y, COADM02Y FILLER VALUEs in a table read through
  REDEFINES … OCCURS and a subscript): FILLER has no name to follow;
- copybook level-88 values: all codes in CardDemo ('A', 'U', 'Y').

Usage: python3 tests/oracles/carddemo.py ../shared/corpus/carddemo > tests/oracles/carddemo.expected.json
"""

import json
import os
import re
import sys

LIT = re.compile(r"'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\"")
FIGURATIVE = {"SPACE", "SPACES", "ZERO", "ZEROS", "ZEROES", "LOW-VALUE", "LOW-VALUES",
              "HIGH-VALUE", "HIGH-VALUES", "QUOTE", "QUOTES", "NULL", "NULLS", "ALL"}


def is_text(s):
    t = s.strip()
    if re.fullmatch(r"[A-Z0-9\-_#@$]+", t):
        return False
    return any(len(w) >= 2 for w in re.split(r"[^\w]|[\d_]", s, flags=re.UNICODE))


def code_lines(path):
    """(line number, code area) of the non-comment lines of a fixed-format file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            raw = raw.rstrip("\n").rstrip("\r")
            if len(raw) > 6 and raw[6] in "*/":
                continue
            yield n, raw[7:72]


def tokens(lines, origin):
    """Tokens (kind, value, line, origin): 'lit', 'word' or 'dot'."""
    out = []
    for n, code in lines:
        pos = 0
        while pos < len(code):
            m = re.compile(r"\s+").match(code, pos)
            if m:
                pos = m.end()
                continue
            m = LIT.match(code, pos)
            if m:
                value = m.group(1) if m.group(1) is not None else m.group(2)
                q = "'" if m.group(1) is not None else '"'
                out.append(("lit", value.replace(q + q, q), n, origin))
                pos = m.end()
                continue
            m = re.compile(r"[^\s'\"]+").match(code, pos)
            if m is None:  # a literal left open: the rest of the line
                out.append(("lit", code[pos + 1:], n, origin))
                break
            word = m.group(0)
            pos = m.end()
            if word.endswith(".") and (pos >= len(code) or code[pos].isspace()):
                if word[:-1]:
                    out.append(("word", word[:-1], n, origin))
                out.append(("dot", ".", n, origin))
            else:
                out.append(("word", word, n, origin))
    return out


def expand(toks, members, origins):
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t[0] == "word" and t[1].upper() == "COPY":
            j = i
            while j < len(toks) and toks[j][0] != "dot":
                j += 1
            stmt = toks[i + 1:j]
            name = stmt[0][1].upper() if stmt else ""
            joined = " ".join(x[1] for x in stmt[1:] if x[0] == "word")
            pairs = re.findall(r"==(.*?)==\s*BY\s*==(.*?)==", joined)
            i = j + 1
            if name in members:
                origins.append(members[name][0])
                sub = tokens(members[name][1], len(origins) - 1)
                sub = [(k, rep(v, pairs) if k == "word" else v, n, o) for k, v, n, o in sub]
                out.extend(expand(sub, members, origins))
            continue
        out.append(t)
        i += 1
    return out


def rep(word, pairs):
    for a, b in pairs:
        word = word.replace(a.strip(), b.strip())
    return word


def analyse(toks):
    upper = [(k, v.upper() if k == "word" else v, n, o) for k, v, n, o in toks]
    proc = next((i for i in range(len(upper) - 1)
                 if upper[i][1] == "PROCEDURE" and upper[i + 1][1] == "DIVISION"), len(upper))
    fields = []  # dicts
    names = {}
    stack = []
    entry = []
    for t in upper[:proc]:
        entry.append(t)
        if t[0] != "dot":
            continue
        e, entry = entry, []
        if not e or e[0][0] != "word" or not e[0][1].isdigit():
            continue
        level = int(e[0][1])
        if level == 88:
            if fields:
                vals = [x for x in e if x[0] == "lit" and is_text(x[1])]
                fields[-1]["conds"].extend((x[1], x[2]) for x in vals)
            continue
        if level == 66:
            continue
        level = 1 if level == 77 else level
        name = e[1][1] if len(e) > 1 and e[1][0] == "word" and e[1][1] not in (
            "PIC", "PICTURE", "VALUE", "REDEFINES", "OCCURS") else "FILLER"
        words = [x[1] for x in e if x[0] == "word"]
        pic = None
        for k, w in enumerate(words):
            if w in ("PIC", "PICTURE"):
                pic = words[k + 1] if k + 1 < len(words) and words[k + 1] != "IS" else (
                    words[k + 2] if k + 2 < len(words) else "")
        redef = words[words.index("REDEFINES") + 1] if "REDEFINES" in words else None
        value = None
        for k, x in enumerate(e):
            if x[0] == "word" and x[1] in ("VALUE", "VALUES"):
                nxt = [y for y in e[k + 1:] if not (y[0] == "word" and y[1] in ("IS", "ARE"))]
                if nxt and nxt[0][0] == "lit" and pic and re.search(r"[XAN]", pic):
                    value = (nxt[0][1], nxt[0][2])
        while stack and fields[stack[-1]]["level"] >= level:
            stack.pop()
        fields.append({"name": name, "level": level, "parent": stack[-1] if stack else None,
                       "redef": redef, "line": e[0][2], "origin": e[0][3], "value": value, "conds": [],
                       "group": pic is None and not any(w.startswith("COMP") or w in ("BINARY", "POINTER", "INDEX") for w in words)})
        names.setdefault(name, []).append(len(fields) - 1)
        stack.append(len(fields) - 1)

    def root(i):
        while fields[i]["parent"] is not None:
            i = fields[i]["parent"]
        return i

    def screen(i):
        r = fields[root(i)]
        return (r is not fields[i] and fields[i]["name"].endswith("O") and r["name"].endswith("O")
                and (r["redef"] or "").endswith("I"))

    def ref(i):
        """Field name at token i, index after its qualifiers and subscripts, qualifier."""
        if i >= len(upper) or upper[i][0] != "word":
            return None
        w = upper[i][1]
        name = w.split("(")[0]
        if not name or name in FIGURATIVE:
            return None
        depth = w.count("(") - w.count(")")
        i += 1
        qual = None
        while i < len(upper):
            k, v = upper[i][0], upper[i][1]
            if depth > 0 or (k == "word" and v.startswith("(")):
                depth += v.count("(") - v.count(")") if k == "word" else 0
                i += 1
            elif k == "word" and v in ("OF", "IN") and i + 1 < len(upper):
                qual = qual or upper[i + 1][1].split("(")[0]
                depth += upper[i + 1][1].count("(") - upper[i + 1][1].count(")")
                i += 2
            else:
                break
        return name, i, qual

    def resolve(name, qual):
        cands = names.get(name, [])
        if qual:
            for c in cands:
                p = fields[c]["parent"]
                while p is not None:
                    if fields[p]["name"] == qual:
                        return c
                    p = fields[p]["parent"]
        return cands[0] if cands else None

    literals = []  # (text, line, origin, [targets])
    edges = {}
    i = proc
    while i < len(upper):
        k, v, n, o = upper[i]
        if k == "word" and v == "EXEC":
            while i < len(upper) and upper[i][1] != "END-EXEC":
                i += 1
            i += 1
        elif k == "word" and v == "MOVE" and i + 1 < len(upper):
            src = upper[i + 1]
            if src[0] == "lit":
                at, source = i + 2, None
            else:
                r = ref(i + 1)
                if r is None or src[1] in ("CORR", "CORRESPONDING"):
                    i += 1
                    continue
                at, source = r[1], r
            if at >= len(upper) or upper[at][1] != "TO":
                i = at
                continue
            at += 1
            targets = []
            while True:
                r = ref(at)
                if r is None or r[0] not in names:
                    break
                targets.append(resolve(r[0], r[2]))
                at = r[1]
            if source is None:
                if is_text(src[1]) and targets:
                    literals.append((src[1], src[2], src[3], targets))
            else:
                s = resolve(source[0], source[2])
                if s is not None:
                    for t in targets:
                        edges.setdefault(s, []).append(t)
            i = at
        elif k == "word" and v == "STRING":
            j = i + 1
            pieces, pend, srcs, first = [], [], [], None
            while j < len(upper) and upper[j][0] != "dot" and upper[j][1] != "INTO":
                kk, vv = upper[j][0], upper[j][1]
                if kk == "word" and vv == "DELIMITED":
                    j += 1
                    if j < len(upper) and upper[j][1] == "BY":
                        j += 1
                    d = None
                    if j < len(upper):
                        if upper[j][0] == "lit":
                            d = upper[j][1]
                        elif upper[j][1].startswith("SPACE"):
                            d = " "
                    for p, islit in pend:
                        pieces.append(p.split(d)[0] if (islit and d) else p)
                    pend = []
                    j += 1
                elif kk == "lit":
                    first = first or upper[j]
                    pend.append((toks[j][1], True))
                    j += 1
                elif kk == "word" and vv == "FUNCTION":
                    pend.append(("<*>", False))
                    depth = upper[j + 1][1].count("(") - upper[j + 1][1].count(")") if j + 1 < len(upper) else 0
                    j += 2
                    while depth > 0 and j < len(upper) and upper[j][0] != "dot":
                        if upper[j][0] == "word":
                            depth += upper[j][1].count("(") - upper[j][1].count(")")
                        j += 1
                else:
                    r = ref(j)
                    if r:
                        pend.append(("<*>", False))
                        srcs.append(r)
                        j = r[1]
                    else:
                        j += 1
            pieces.extend(p for p, _ in pend)
            if j < len(upper) and upper[j][1] == "INTO":
                r = ref(j + 1)
                if r:
                    t = resolve(r[0], r[2])
                    template = "".join(pieces)
                    if first and is_text(template.replace("<*>", " ")):
                        if t is not None:
                            literals.append((template, first[2], first[3], [t]))
                    else:
                        for s in srcs:
                            sf = resolve(s[0], s[2])
                            if sf is not None and t is not None:
                                edges.setdefault(sf, []).append(t)
                    j = r[1]
            i = max(j, i + 1)
        else:
            i += 1

    def reaches(start):
        seen, queue = {start}, [start]
        while queue:
            f = queue.pop(0)
            if screen(f):
                return True
            for t in edges.get(f, []):
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
        return False

    def template(g):
        """A group of FILLER VALUE pieces and fields, as a template."""
        if not fields[g]["group"]:
            return None
        out, lit = "", False
        for f in fields[g + 1:]:
            if f["level"] <= fields[g]["level"]:
                break
            if f["group"]:
                continue
            if f["name"] == "FILLER" and f["value"]:
                out += f["value"][0]
                lit = True
            elif not out.endswith("<*>"):
                out += "<*>"
        out = out.rstrip()
        return (out, fields[g]["line"]) if lit and is_text(out.replace("<*>", " ")) else None

    return fields, literals, reaches, template


def main():
    root = sys.argv[1]
    app = os.path.join(root, "app")
    members = {}
    for folder in ("cpy", "cpy-bms"):
        for name in sorted(os.listdir(os.path.join(app, folder))):
            if name.startswith("."):
                continue
            path = os.path.join(app, folder, name)
            members.setdefault(name.split(".")[0].upper(), (path, list(code_lines(path))))
    programs, copybooks = set(), set()
    cbl = os.path.join(app, "cbl")
    for name in sorted(os.listdir(cbl)):
        path = os.path.join(cbl, name)
        origins = [path]
        toks = expand(tokens(code_lines(path), 0), members, origins)
        fields, literals, reaches, template = analyse(toks)
        for text, line, origin, targets in literals:
            if origin == 0 and any(t is not None and reaches(t) for t in targets):
                programs.add((path, line, text.rstrip()))
        for i, f in enumerate(fields):
            value = [f["value"]] if f["value"] and is_text(f["value"][0]) else []
            group = [template(i)] if f["origin"] == 0 and template(i) else []
            texts = value + f["conds"] + group
            if not texts or not reaches(i):
                continue
            if f["origin"] == 0:
                for text, line in texts:
                    programs.add((path, line, text.rstrip()))
            elif value:
                copybooks.add((origins[f["origin"]], f["line"], f["value"][0].rstrip()))
    fields, labels = 0, set()
    bms = os.path.join(app, "bms")
    for name in sorted(os.listdir(bms)):
        path = os.path.join(bms, name)
        stmt, start = "", 0
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for n, raw in enumerate(lines, 1):
            if not stmt and (raw.startswith("*") or not raw.strip()):
                continue
            piece = raw[:71] if not stmt else raw[15:71]
            if not stmt:
                start = n
            cont = len(raw) > 71 and not raw[71].isspace()
            if stmt and stmt.count("'") % 2 == 0:
                piece = piece.lstrip()
            stmt += piece
            if stmt.count("'") % 2 == 0:
                stmt = stmt.rstrip()
            if cont:
                continue
            s, stmt = stmt, ""
            m = re.match(r"(\S*)\s+DFHMDF\s+(.*)", s)
            if not m:
                continue
            if m.group(1):
                fields += 1
            attrb = re.search(r"ATTRB=\(?([A-Z,]+)", m.group(2))
            protected = attrb is None or re.search(r"\b(PROT|ASKIP)\b", attrb.group(1))
            init = re.search(r"INITIAL='((?:[^']|'')*)'", m.group(2))
            if init and protected:
                text = init.group(1).replace("''", "'").replace("&&", "&").strip()
                if any(len(w) >= 2 for w in re.split(r"[^A-Za-z]", text)):
                    line = start + next(k for k, l in enumerate(lines[start - 1:]) if "INITIAL=" in l)
                    labels.add((path, line, text))
    rel = lambda p: os.path.relpath(p, root)
    out = {
        "programs": sorted([rel(p), l, t] for p, l, t in programs),
        "copybooks": sorted([rel(p), l, t] for p, l, t in copybooks),
        "bms_fields": fields,
        "bms_labels": sorted([rel(p), l, t] for p, l, t in labels),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
