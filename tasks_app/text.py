"""Vietnamese text as people type it and read it: one folding for every search, one sort
key for every list of units.

Both are computed here, in Python, and stored in columns (Task.search_text,
Unit.search_name, Unit.sort_key), so PostgreSQL and SQLite compare the same plain
strings: neither PostgreSQL's unaccent nor SQLite's ASCII-only lower() is involved.
"""

import re
import unicodedata

# --- Input -------------------------------------------------------------------------------------


def nfc(text: str) -> str:
    """Composed Unicode (NFC). A phone may send "ế" as "e" + two combining marks (NFD);
    stored text is always composed, so equal words are equal strings."""
    return unicodedata.normalize("NFC", text)


# --- Search ------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`text` as search compares it: lower case, without diacritics ("đ" as "d"), single
    spaces. "CHUYỂN ĐỔI SỐ", "chuyen doi so" and its NFD form all fold to "chuyen doi so".
    """
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", bare)).strip()


def task_search_text(code: str, title: str) -> str:
    """What a task search looks in: its code and title, folded."""
    return fold(f"{code} {title}")


# --- Vietnamese order ------------------------------------------------------------------------------

# The alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), with the
# letters Vietnamese does not use (f j w z, in names of ethnic-minority origin) where the
# Latin alphabet has them. A letter is its base plus a vowel mark (breve, circumflex, horn).
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTERS = [
    ("a", ""), ("a", _BREVE), ("a", _CIRCUMFLEX), ("b", ""), ("c", ""), ("d", ""), ("đ", ""),
    ("e", ""), ("e", _CIRCUMFLEX), ("f", ""), ("g", ""), ("h", ""), ("i", ""), ("j", ""),
    ("k", ""), ("l", ""), ("m", ""), ("n", ""), ("o", ""), ("o", _CIRCUMFLEX), ("o", _HORN),
    ("p", ""), ("q", ""), ("r", ""), ("s", ""), ("t", ""), ("u", ""), ("u", _HORN), ("v", ""),
    ("w", ""), ("x", ""), ("y", ""), ("z", ""),
]  # fmt: skip
_LETTER_CODE = {letter: f"{20 + rank:02d}" for rank, letter in enumerate(_LETTERS)}
_OTHER_LETTER = "98"  # a letter outside the alphabet: after all of it
# The dictionary's order of the tones: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_CODE = {"": "10", "\u0300": "11", "\u0309": "12", "\u0303": "13", "\u0301": "14", "\u0323": "15"}
_VOWEL_MARKS = {_BREVE, _CIRCUMFLEX, _HORN}
_NUMBER = "05"  # a number comes before any word

# How a unit's name starts by its division type ("Thành phố Hà Nội" is read under H).
DIVISION_PREFIXES = {
    "tinh": "Tỉnh",
    "thanh_pho": "Thành phố",
    "xa": "Xã",
    "phuong": "Phường",
    "dac_khu": "Đặc khu",
}


def name_without_division(name: str, division_type: str) -> str:
    prefix = DIVISION_PREFIXES.get(division_type)
    name = nfc(name).strip()
    if prefix and fold(name).startswith(fold(prefix) + " "):
        return name[len(prefix) :].strip()
    return name


def sort_key(text: str) -> str:
    """A string whose plain order is the Vietnamese dictionary's order of `text`.

    Syllable by syllable: first the letters, in the alphabet's order (ă, â after a; đ after
    d; ê after e; ô, ơ after o; ư after u), then the tone, so "Hà Nội" < "Hà Tĩnh" <
    "Hải Phòng" and "Lạng Sơn" < "Lào Cai". Case is ignored and numbers compare as numbers
    ("A Lưới 2" < "A Lưới 10"). The key is made of digits only, two per letter and one pair
    per tone, so every database collation orders it the same way, byte for byte.
    """
    parts = []
    for word in _words(unicodedata.normalize("NFD", nfc(text).casefold())):
        if word.isdigit():
            digits = word.lstrip("0") or "0"
            parts.append(_NUMBER + f"{min(len(digits), 99):02d}" + "".join(f"0{d}" for d in digits))
            parts.append(_TONE_CODE[""])
            continue
        tone, codes, base, marks = "", [], None, ""
        for ch in word + " ":  # the space flushes the last letter
            if unicodedata.combining(ch):
                if ch in _VOWEL_MARKS:
                    marks = ch
                elif ch in _TONE_CODE:
                    tone = ch
                continue
            if base is not None:
                codes.append(_LETTER_CODE.get((base, marks), _LETTER_CODE.get((base, ""), _OTHER_LETTER)))
            base, marks = ch, ""
        # The tone closes the syllable: it sorts before any letter, so "ma" < "má" < "mai".
        parts.append("".join(codes) + _TONE_CODE[tone])
    return "".join(parts)


def _words(decomposed: str) -> list[str]:
    """Runs of letters (with their combining marks) and runs of digits; anything else
    (spaces, hyphens, apostrophes) only separates them."""
    words, current, kind = [], "", ""
    for ch in decomposed:
        category = unicodedata.category(ch)
        ch_kind = "digit" if category == "Nd" else "letter" if category[0] == "L" else ""
        if category[0] == "M" and kind == "letter":
            current += ch
            continue
        if ch_kind != kind or not ch_kind:
            if current:
                words.append(current)
            current, kind = "", ch_kind
        if ch_kind == "digit":
            current += str(unicodedata.digit(ch))
        elif ch_kind:
            current += ch
    if current:
        words.append(current)
    return words


def unit_sort_key(name: str, division_type: str) -> str:
    """A unit's place in a list: by its name without the division type."""
    return sort_key(name_without_division(name, division_type))
