"""Password policy for a government system (等保 2.0 三级: 身份鉴别), without Django.

Each check returns the reasons a password is refused as codes; the Django validators in
`accounts/passwords.py` turn them into messages. Length and Django's own list of 20,000 common
passwords are checked there too; what is here are the patterns people and demo data fall into:
few kinds of characters, runs (aaaa, 1234, qwer, 1qaz), a common word or one of the platform's
role names under leetspeak (P@ssw0rd, Admin@123), a year (…-2023), the user name.
"""

import re
from itertools import pairwise

# 大写字母、小写字母、数字、特殊字符: at least three of the four.
CHARACTER_CLASSES = 4
REPEAT_RUN = 4  # the same character this many times in a row
SEQUENCE_RUN = 4  # this many characters in order on the keyboard, the alphabet or digits
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop", "asdfghjkl", "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",  # keyboard columns, the classic 1qaz2wsx
    "!@#$%^&*()",
)
# Words that weak and demo passwords are built from: common ones, and the roles and names of
# this platform (the demo's old passwords were `<dept>-<Role>-<year>`).
COMMON_WORDS = (
    "password", "passwd", "admin", "root", "test", "guest", "user", "login", "welcome",
    "hello", "love", "letmein", "changeme", "default", "secret", "system", "super",
    "manager", "master", "china", "demo", "shuangsuiji", "office", "section", "inspector",
    "check", "expert", "leader", "partner",
)
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e",
                       "$": "s", "5": "s", "7": "t", "+": "t"})
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def character_classes(password: str) -> int:
    """How many of upper-case letters, lower-case letters, digits (A–Z, a–z, 0–9) and other
    characters (symbols, and letters of other scripts) the password has."""
    return sum((any("A" <= c <= "Z" for c in password), any("a" <= c <= "z" for c in password),
                any("0" <= c <= "9" for c in password),
                any(not (c.isascii() and c.isalnum()) for c in password)))


def _has_repeat(password: str) -> bool:
    run = 1
    for previous, current in pairwise(password):
        run = run + 1 if current == previous else 1
        if run >= REPEAT_RUN:
            return True
    return False


def _has_sequence(password: str) -> bool:
    low = password.lower()
    for sequence in _SEQUENCES:
        for chain in (sequence, sequence[::-1]):
            for start in range(len(chain) - SEQUENCE_RUN + 1):
                if chain[start:start + SEQUENCE_RUN] in low:
                    return True
    return False


def common_word(password: str) -> str | None:
    """The common word the password contains, read also as leetspeak (P@ssw0rd), or None."""
    low = password.lower()
    letters = low.translate(_LEET)
    for word in COMMON_WORDS:
        if word in low or word in letters:
            return word
    return None


def pattern_problems(password: str, *, min_classes: int = 3) -> list[str]:
    """Codes of what is wrong: classes, repeat, sequence, common_word, year."""
    problems = []
    if character_classes(password) < min_classes:
        problems.append("classes")
    if _has_repeat(password):
        problems.append("repeat")
    if _has_sequence(password):
        problems.append("sequence")
    if common_word(password):
        problems.append("common_word")
    if _YEAR.search(password):
        problems.append("year")
    return problems


def contains_user_name(password: str, names: list[str], *, shortest: int = 3) -> bool:
    """Whether the password holds one of the names (user name, e-mail's local part) or its
    reverse, ignoring case; names shorter than `shortest` are not looked for."""
    low = password.lower()
    for raw in names:
        name = raw.strip().lower()
        if len(name) >= shortest and (name in low or name[::-1] in low):
            return True
    return False
