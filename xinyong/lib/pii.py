"""Personal data in free text: one recogniser for resident ID numbers (居民身份证号码) as
people write them, used before anything typed is stored and again where it is shown.

People write the number in many ways: 18 characters or the old 15 digits; in groups
separated by spaces or hyphens (110105 19491231 002X); in full-width digits from a Chinese
input method; with a label or a word glued to it (ID11010519491231002X, 身份证号…); with a
stray X after 18 digits. A run of digits is taken for an ID number when

- written without separators, it has 15 digits or more (a longer run may hold one: a bank
  card or a number glued to other digits is masked too, which costs little), or
- written in groups, some consecutive groups hold 15, 17 or 18 digits (an ID number's
  length), one group having 4 digits or more; a date range such as 20200210-20200310
  (16 digits) or a list of amounts (100 200 300 400 500) stays readable.

A found number keeps its first 6 and last 4 characters, as everywhere else on the platform
(110105********002X); the rest become asterisks, and the separators go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

DIGITS = "0-9０-９"
CHECK = "XxＸｘ"
# Between the groups of one number: up to three spaces or dashes of any width.
SEPARATOR = r"[ \t\u00a0\u3000\-‐‑‒–—―－_]{1,3}"
RUN = re.compile(
    rf"(?<![{DIGITS}])[{DIGITS}]+(?:{SEPARATOR}[{DIGITS}]+)*(?:(?:{SEPARATOR})?[{CHECK}])?"
)
# Fast test first: no 15 digits with at most 3 characters between them, no ID number.
POSSIBLE = re.compile(rf"[{DIGITS}](?:[^{DIGITS}]{{0,3}}[{DIGITS}]){{14}}")
GROUP = re.compile(rf"[{DIGITS}]+[{CHECK}]?|[{CHECK}]")
ID_LENGTHS = (15, 17, 18)
FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸx", "0123456789XXX")


def mask_code(number: str) -> str:
    """A person's number as the platform shows it: the first 6 and last 4 characters kept,
    the rest asterisks (110105********002X)."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, the number without separators) of each ID-like part of `text`."""
    if not POSSIBLE.search(text):
        return
    for run in RUN.finditer(text):
        groups = [(g.start(), g.end(), g.group().translate(FULL_WIDTH))
                  for g in GROUP.finditer(run.group())]
        if len(groups) == 1:
            number = groups[0][2]
            if sum(c.isdigit() for c in number) >= 15:
                yield run.start(), run.end(), number
            continue
        # Grouped: take the longest stretches of whole groups that make an ID number's length.
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups), i, -1):
                number = "".join(g[2] for g in groups[i:j])
                # Grouped ID numbers have a group of 4 digits or more (6-8-4, 4-4-4-4-2);
                # a list of short numbers (100 200 300 400 500) is not one.
                if sum(c.isdigit() for c in number) in ID_LENGTHS and any(
                        len(g[2].rstrip("X")) >= 4 for g in groups[i:j]):
                    found = j, number
                    break
            if found is None and sum(c.isdigit() for c in groups[i][2]) >= 15:
                found = i + 1, groups[i][2]  # a long unbroken group, as written alone
            if found:
                j, number = found
                yield run.start() + groups[i][0], run.start() + groups[j - 1][1], number
                i = j
            else:
                i += 1


def mask_id_numbers(text: str) -> str:
    """`text` with every ID-like number masked; everything else as it was."""
    if not text:
        return text
    out, last = [], 0
    for start, end, number in _spans(text):
        out.append(text[last:start])
        out.append(mask_code(number))
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def id_numbers(text: str) -> list[str]:
    """The ID-like numbers in `text`, without separators (for keyed look-ups, never stored)."""
    return [number for _, _, number in _spans(text)] if text else []


def looks_like_id_number(code: str) -> bool:
    """A code on its own (spaces and dashes dropped, upper case: `subjects.codes.normalize`)
    that may be a resident ID number, typed right or wrong: 14 to 19 characters (the old 15
    or the 18, a digit missing or one too many), all digits but at most two (the final X, a
    mistyped letter). A USCC carries more letters, so even a wrong one stays readable; a
    masked number is mostly asterisks, so it is not taken for one again. The one rule for
    bare codes (check inputs, list searches); text in which numbers may hide is
    `has_id_number`'s."""
    return 14 <= len(code) <= 19 and sum(not c.isdigit() for c in code) <= 2


def has_id_number(text: str) -> bool:
    return bool(text) and any(True for _ in _spans(text))
