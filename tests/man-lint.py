#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# man-lint.py --- the manual pages render as written: groff's and
# mandoc's warnings (where mandoc is installed), every command's page has
# EXIT STATUS and every library page RETURN VALUE, and no alternating-font macro (.BR, .IR ...) glues two
# words together (".BR vmdk-defrag (1)), and every" prints "),andevery").
#   python3 tests/man-lint.py man/man1/*.1 man/man3/*.3 man/man7/*.7
import re
import shlex
import shutil
import subprocess
import sys

ALTERNATING = {".BR", ".RB", ".BI", ".IB", ".IR", ".RI"}
problems = []


def glued(args):
    """Two neighbouring arguments whose words run together."""
    for a, b in zip(args, args[1:]):
        after_punctuation = re.search(r"[,;:)]$", a) and re.match(r"[A-Za-z0-9]", b)
        two_words = re.fullmatch(r"[A-Za-z]+", a) and re.fullmatch(r"[A-Za-z]+[,.;:]?", b)
        if after_punctuation or two_words:
            return a + b
    return None


def lint(page):
    text = open(page, encoding="utf-8").read()
    lines = text.splitlines()
    # Commands say what their exit status means, library pages their
    # return values.
    wanted = {"1": "EXIT STATUS", "3": "RETURN VALUE"}.get(page.rsplit(".", 1)[-1])
    if wanted and f".SH {wanted}" not in text and f'.SH "{wanted}"' not in text:
        problems.append(f"{page}: no {wanted} section")
    for n, line in enumerate(lines, 1):
        macro = line.split(" ", 1)[0]
        if macro in ALTERNATING:
            try:
                args = shlex.split(line[len(macro):].replace("\\", "\\\\"))
            except ValueError:
                problems.append(f"{page}:{n}: unbalanced quotes: {line}")
                continue
            g = glued(args)
            if g:
                problems.append(f"{page}:{n}: {macro} glues words ({g!r}): {line}")
    out = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", page],
                         capture_output=True, text=True,
                         env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    problems.extend(f"{page}: groff: {l}" for l in out.stderr.splitlines() if l)
    if shutil.which("mandoc"):
        out = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page],
                             capture_output=True, text=True)
        problems.extend(f"{page}: {l}" for l in (out.stdout + out.stderr).splitlines() if l)


for page in sys.argv[1:]:
    lint(page)
for p in problems:
    print(p)
print(f"man pages: {len(sys.argv) - 1} checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
