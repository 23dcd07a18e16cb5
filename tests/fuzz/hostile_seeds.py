#!/usr/bin/env python3
"""Deep-nesting and long-run seeds for errata's fuzz targets (issue #14).

    tests/fuzz/hostile_seeds.py TARGET CORPUS_DIR

Writes `hostile-deep-*` and `hostile-long-*` files into CORPUS_DIR: the
target's own syntax nested far past errata's nesting cap (128 levels), and
runs of one character and lines far past the record cap the harness sets
(`errata_fuzz::FUZZ_RECORD_BYTES`, 4 KiB). run-all.sh calls it for every
target next to the fixture seeds. Each seed stays under 100 KiB, so that
libFuzzer, which sizes its inputs after the largest seed, stays quick.
Generated, not committed: the seeds are deterministic.
"""

import gzip
import os
import sys

DEPTH = 5_000  # nesting levels: 39 times the default cap
RUN = 64 * 1024  # bytes of one character: 16 times the harness's record cap


def nest(open_, close, inner="x", depth=DEPTH):
    return open_ * depth + inner + close * depth


def long_line(prefix=""):
    return prefix + "Ж" * (RUN // 2)


def log_seeds(line_prefix):
    """Seeds shared by the line formats: one huge line, with and without its newline."""
    return {
        "long-line": f"{line_prefix}ok\n{long_line(line_prefix)}\n{line_prefix}after\n",
        "long-open-line": f"{line_prefix}ok\n{line_prefix}{'x' * RUN}",
        "long-run-newlines": "\n" * RUN,
        "long-run-cr": "\r" * RUN,
        "deep-brackets": line_prefix + nest("[", "]") + "\n",
    }


XSD = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'

SEEDS = {
    "android": {
        "deep": '<resources><string name="k">' + nest("<b>", "</b>") + "</string></resources>",
        "long": f'<resources><string name="k">{long_line()}</string></resources>',
        "long-attr": f'<resources><string name="{"k" * RUN}">x</string></resources>',
    },
    "resx": {
        "deep": '<root><data name="k"><value>' + nest("<b>", "</b>") + "</value></data></root>",
        "long": f'<root><data name="k"><value>{long_line()}</value></data></root>',
    },
    "xliff": {
        "deep": '<xliff version="1.2"><file><body><trans-unit id="k"><source>'
        + nest('<g id="1">', "</g>")
        + "</source></trans-unit></body></file></xliff>",
        "long": f'<xliff version="2.0"><file><unit id="k"><segment><source>{long_line()}'
        "</source></segment></unit></file></xliff>",
    },
    "xsd": {
        "deep": f"<xs:schema {XSD}>"
        + nest(
            '<xs:element name="e"><xs:complexType><xs:sequence>',
            "</xs:sequence></xs:complexType></xs:element>",
            "",
            600,  # three levels each: 1,800 deep
        )
        + "</xs:schema>",
        "long": f'<xs:schema {XSD}><xs:simpleType name="{"t" * RUN}"><xs:restriction '
        'base="xs:string"><xs:maxLength value="99999999999999999999"/></xs:restriction>'
        "</xs:simpleType></xs:schema>",
    },
    "json_i18n": {
        "deep": nest('{"a": ', "}", '"x"'),
        "deep-arrays": '{"k": ' + nest("[", "]", '"x"') + "}",
        "long": '{"k": "' + "Ж" * (RUN // 2) + '"}',
        "long-escapes": '{"k": "' + "\\u0416" * (RUN // 6) + '"}',
    },
    "records": {
        "deep-json": '{"messages": {"message": ' + nest("[", "]", '{"code": "E", "text": "x"}') + "}}",
        "deep-xml": "<messages>" + nest("<message>", "</message>", "<code>E</code>") + "</messages>",
        "deep-yaml": "messages:\n  message: " + nest("[", "]") + "\n",
        "long": 'messages:\n  message:\n    - code: E\n      text: "' + "Ж" * (RUN // 2) + '"\n',
    },
    "yaml": {
        "deep-flow": "a: " + nest("[", "]") + "\n",
        "deep-map": "a: " + nest("{b: ", "}") + "\n",
        "deep-block": "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "k: x\n",
        "long": "k: " + "Ж" * (RUN // 2) + "\n",
        "long-folded": "k: >\n" + "  слово\n" * (RUN // 16),
    },
    "po": {
        "deep": 'msgid "k"\nmsgstr ""\n' + '"\\""\n' * (RUN // 8),
        "long": 'msgid "k"\nmsgstr "' + "Ж" * (RUN // 2) + '"\n',
        "long-escapes": 'msgid "k"\nmsgstr "' + "\\\\" * (RUN // 2) + '"\n',
    },
    "properties": {
        "deep": "k = " + "x\\\n" * (RUN // 3) + "end\n",
        "long": "k = " + "\\u0416" * (RUN // 6) + "\n",
        "long-key": "k" * RUN + "=x\n",
    },
    "csv": {
        "deep": 'code;text\nE;"' + '""' * (RUN // 2) + '"\n',
        "long": "code;text\nE;" + "Ж" * (RUN // 2) + "\n",
        "long-open-quote": 'code;text\nE;"' + "x" * RUN,
    },
    "sql": {
        "deep": "INSERT INTO err_messages (code, text) VALUES " + nest("(", ")", "'E', 'x'") + ";\n",
        "long": "INSERT INTO err_messages (code, text) VALUES ('E', '" + "Ж" * (RUN // 2) + "');\n",
        "long-comment": "/*" + "*" * RUN,
    },
    "cobol": {
        # Level numbers nest groups; ten thousand of them, each a level deeper in turn.
        "deep": "".join(
            f"       {1 + i % 49:02d}  G{i}.\n" for i in range(DEPTH)
        ),
        "long": "       01  ERR-TEXT PIC X(80) VALUE '" + "Ж" * (RUN // 2) + "'.\n",
        "long-pic": "       01  ERR-TEXT PIC X(" + "9" * 40 + ") VALUE 'x'.\n",
        "long-continuation": "       01  T PIC X(9) VALUE 'a\n"
        + "      -    'a\n" * (RUN // 16)
        + "      -    'a'.\n",
    },
    "cobol_program": {
        # Level numbers nest groups; moves chain ten thousand fields.
        "deep": "       DATA DIVISION.\n"
        + "".join(f"       {1 + i % 49:02d}  G{i} PIC X(9).\n" for i in range(DEPTH // 4))
        + "       PROCEDURE DIVISION.\n"
        + "".join(f"           MOVE G{i} TO G{i + 1}\n" for i in range(DEPTH // 4))
        + "           MOVE 'Text' TO G0.\n",
        "deep-copy": "       COPY LOOP.\n" * 200,
        "deep-parens": "       PROCEDURE DIVISION.\n           STRING FUNCTION TRIM" + "(" * (RUN // 8) + "\n",
        "long": "       PROCEDURE DIVISION.\n           MOVE '" + "Ж" * (RUN // 2) + "' TO ERRMSGO.\n",
        "long-continuation": "           MOVE 'a\n" + "      -    'a\n" * (RUN // 16) + "      -    'a' TO X.\n",
    },
    "bms": {
        "deep": "M DFHMSD TYPE=MAP\nA DFHMDI SIZE=(24,80)\nF DFHMDF POS=" + "(" * (RUN // 4) + "\n",
        "long-continuation": "F DFHMDF INITIAL='" + ("x" * 55 + " " * 15 + "-\n" + " " * 15) * (RUN // 90) + "'\n",
        "long": "F DFHMDF LENGTH=5,INITIAL='" + "Ж" * (RUN // 2) + "'\n",
    },
    "json_lines": {
        "deep": '{"userMessage": "ok"}\n' + nest('{"a": ', "}", "1") + '\n{"userMessage": "after"}\n',
        "long": '{"userMessage": "' + "Ж" * (RUN // 2) + '"}\n',
        "long-open-line": '{"userMessage": "' + "x" * RUN,
    },
    "log4j": log_seeds("2024-03-01 10:15:02,118 ERROR [pay] "),
    "syslog": {
        **log_seeds("<134>1 2024-03-01T10:15:02Z host app 1 ID "),
        "deep-sd": "<134>1 2024-03-01T10:15:02Z host app 1 ID " + "[a b=\"]\"]" * (RUN // 10) + " msg\n",
    },
    "w3c": {
        **log_seeds("2024-03-01 10:15:02 GET /pay "),
        "long-fields": "#Fields: " + " ".join(f"f{i}" for i in range(RUN // 8)) + "\n2024-03-01 x\n",
    },
    "kv": {
        **log_seeds("ts=2024-03-01T10:15:02 level=error "),
        "deep-quotes": 'msg="' + '\\"' * (RUN // 2) + '"\n',
    },
    "fixed_width": log_seeds("24-03-0110:15 E00001"),
    "log_lines": log_seeds("2024-03-01 10:15:02 ERROR text="),
    "java": {
        "deep": "class A { void f() { throw new FooException(\"x\" + " + nest("(", ")") + "); } }\n",
        "deep-braces": "class A " + nest("{", "}", 'throw new FooException("x");') + "\n",
        "deep-text-block": 'throw new FooException("""\n' + "  a\\\n" * (RUN // 8) + '""");\n',
        "long": 'throw new FooException("' + "Ж" * (RUN // 2) + '");\n',
        "long-unicode-escapes": 'throw new FooException("' + "\\u0416" * (RUN // 6) + '");\n',
        "long-open-comment": "/*" + "*" * RUN,
    },
    "kotlin": {
        "deep": "fun f() { throw FooError(\"x\" + " + nest("(", ")") + ") }\n",
        "deep-templates": 'throw FooError("a' + '${"' * (DEPTH // 2) + "x" + '"}' * (DEPTH // 2) + '")\n',
        "deep-comments": nest("/*", "*/", "") + '\nthrow FooError("after")\n',
        "long": 'throw FooError("' + "Ж" * (RUN // 2) + '")\n',
        "long-raw": 'throw FooError("""' + "$x " * (RUN // 3) + '""")\n',
    },
    "mask": {
        "long-digits": "Карта " + "4" * RUN,
        "long-digit-groups": "Счёт " + "1234 " * (RUN // 5),
        "long-letters": "Ж" * (RUN // 2),
        "long-at": "иван@" * (RUN // 10) + "почта.рф",
        "deep-brackets": nest("<", ">", "*") + nest("(", ")", "5"),
        "long-url": "https://bank.ru/" + "a/" * (RUN // 2),
    },
}


def read_seeds():
    """The `read` target takes a charset pick byte, then a file's bytes."""
    run = b"a" * (4 * 1024 * 1024)
    return {
        # Thousands of gzip members, each empty: one stream, many headers.
        "deep-members": b"\x00" + gzip.compress(b"") * 4000,
        # A gzip inside a gzip: errata decompresses once and sees binary.
        "deep-nested": b"\x00" + gzip.compress(gzip.compress(run[:RUN])),
        # 4 MiB of one letter in a few KiB: a small bomb.
        "long-run-gzip": b"\x00" + gzip.compress(run, 9),
        "long-line": b"\x00" + "Ж".encode() * (RUN // 2),
        "long-line-utf16": b"\x01" + "Ж".encode("utf-16-le") * (RUN // 2),
    }


def lrecl_seeds():
    """The `lrecl` target takes a charset pick byte, a record-length byte, then a file's bytes."""
    packed = bytes([0x00, 0x15, 0x25, 0x0C])  # NUL, EBCDIC NL, LF, a sign nibble
    return {
        "long-run-packed": b"\x16\x4f" + packed * (RUN // 4),  # 0x16: cp037
        "long-run-newlines": b"\x01\xff" + b"\n" * RUN,
        "deep-short-records": b"\x02\x00" + bytes(range(256)) * 64,
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, corpus = sys.argv[1], sys.argv[2]
    if target == "read":
        seeds = read_seeds()
    elif target == "lrecl":
        seeds = lrecl_seeds()
    elif target in SEEDS:
        seeds = {name: text.encode() for name, text in SEEDS[target].items()}
    else:
        sys.exit(f"no hostile seeds for target `{target}`: add them to {sys.argv[0]}")
    os.makedirs(corpus, exist_ok=True)
    for name, data in seeds.items():
        assert len(data) <= 100 * 1024, f"{target}/{name} is {len(data)} bytes"
        with open(os.path.join(corpus, f"hostile-{name}"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
