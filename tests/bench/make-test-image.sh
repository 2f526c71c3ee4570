#!/bin/sh
# SPDX-License-Identifier: MIT
# make-test-image.sh --- the benchmark's raw image: SIZE bytes (a multiple
# of 1 MiB; K, M, G suffixes) made of 1 MiB chunks, 40% random bytes, 30%
# text (words of a made-up vocabulary, common ones often, as prose has
# them: it deflates to about a third), 30% zeros written out (the file is
# fully allocated, as a copy of a real disk is, so tools must find zeros by
# content).  The chunk kinds are shuffled through the image.  The same
# SIZE and SEED always give the same bytes.
#   sh tests/bench/make-test-image.sh SIZE OUTPUT [SEED]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 SIZE OUTPUT [SEED]" >&2; exit 2; }
exec python3 - "$1" "$2" "${3:-1}" <<'PY'
import random, sys

units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
arg = sys.argv[1].upper().rstrip("IB")
size = int(arg[:-1]) * units[arg[-1]] if arg[-1:] in units else int(arg)
chunk = 1 << 20
if size <= 0 or size % chunk:
    sys.exit("make-test-image: SIZE must be a positive multiple of 1 MiB")
rng = random.Random(int(sys.argv[3]))
count = size // chunk
n_random, n_text = round(count * 0.4), round(count * 0.3)
kinds = ["random"] * n_random + ["text"] * n_text + ["zero"] * (count - n_random - n_text)
rng.shuffle(kinds)

# A vocabulary of pronounceable words; the k-th most common word comes up
# about 1/k as often as the first.
consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
def word():
    return "".join(rng.choice(consonants) + rng.choice(vowels)
                   for _ in range(rng.randint(1, 4)))
vocabulary = list(dict.fromkeys(word() for _ in range(5000)))
weights = [1.0 / (k + 1) for k in range(len(vocabulary))]
prose = bytearray()
while len(prose) < 6 * chunk:
    sentence = rng.choices(vocabulary, weights, k=rng.randint(5, 18))
    prose += (" ".join(sentence).capitalize() + (".\n" if rng.random() < 0.2 else ". ")).encode()
zeros = bytes(chunk)

with open(sys.argv[2], "wb") as out:
    for kind in kinds:
        if kind == "random":
            out.write(rng.randbytes(chunk))
        elif kind == "text":
            at = rng.randrange(len(prose) - chunk)
            out.write(prose[at:at + chunk])
        else:
            out.write(zeros)
PY
