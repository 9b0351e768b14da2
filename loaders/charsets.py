"""Vietnamese text from before Unicode: the TCVN3 (ABC) and VNI character sets, as codecs.

Agencies' Shapefiles, MapInfo tables and CSVs of the 1990s and 2000s were typed in fonts of
these sets (.VnTime, VNI-Times), and neither Python nor GDAL reads them: GDAL's iconv knows
TCVN 5712 but, as with cp1258, keeps the last letter of each value waiting for a tone mark
that never comes (OSGeo/gdal#2045). Importing this module registers both with `codecs`, so an
encoding named `tcvn3` or `vni` works wherever an encoding does. Decoding only: urbanmap reads
these sets, it never writes them.

Both decode byte by byte, and both can leave a letter and its marks as separate characters
(VNI writes them so: "Vieät" is "Việt"); text is put in NFC after decoding, as all the text
urbanmap keeps (geo.text), which joins them.
"""

from __future__ import annotations

import codecs
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable

# TCVN 5712:1993 (VN1), as glibc's iconv decodes it (tests/test_charsets.py compares every
# byte). The ABC fonts (.VnTime) use its VN3 part: ASCII, and letters from 0xA0 up; VN1 adds
# the capitals with a tone, in control codes' places and 0x80–0x9F.
_TCVN3_CAPITALS_BELOW_SPACE = {0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ",
                               0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ"}
_TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ"  # 0x80–0x8F
    "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x90–0x9F
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0–0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0–0xBF: tone marks, then letters
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0–0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0–0xDF
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0–0xEF
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0–0xFF
)
TCVN3 = "".join(_TCVN3_CAPITALS_BELOW_SPACE.get(byte, chr(byte))
                for byte in range(0x80)) + _TCVN3_HIGH

# VNI for Windows: a vowel is its ASCII letter followed by a byte that draws its marks, one
# byte for the capitals' marks and another for the small letters'; a few letters are one byte.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_VNI_MARKS = {  # (small letters' byte, capitals' byte): the marks it draws
    (0xF9, 0xD9): _ACUTE, (0xF8, 0xD8): _GRAVE, (0xFB, 0xDB): _HOOK, (0xF5, 0xD5): _TILDE,
    (0xEF, 0xCF): _DOT, (0xE2, 0xC2): _CIRCUMFLEX, (0xEA, 0xCA): _BREVE,
    (0xE1, 0xC1): _CIRCUMFLEX + _ACUTE, (0xE0, 0xC0): _CIRCUMFLEX + _GRAVE,
    (0xE5, 0xC5): _CIRCUMFLEX + _HOOK, (0xE3, 0xC3): _CIRCUMFLEX + _TILDE,
    (0xE4, 0xC4): _CIRCUMFLEX + _DOT, (0xE9, 0xC9): _BREVE + _ACUTE,
    (0xE8, 0xC8): _BREVE + _GRAVE, (0xFA, 0xDA): _BREVE + _HOOK, (0xFC, 0xDC): _BREVE + _TILDE,
    (0xEB, 0xCB): _BREVE + _DOT,
}
_VNI_LETTERS = {  # (small, capital): one byte each
    (0xED, 0xCD): "íÍ", (0xEC, 0xCC): "ìÌ", (0xE6, 0xC6): "ỉỈ", (0xF3, 0xD3): "ĩĨ",
    (0xF2, 0xD2): "ịỊ", (0xF4, 0xD4): "ơƠ", (0xF6, 0xD6): "ưƯ", (0xF1, 0xD1): "đĐ",
    (0xEE, 0xCE): "ỵỴ",
}
VNI = {byte: chr(byte) for byte in range(0x100)}  # bytes it does not redraw: Latin-1
VNI.update({byte: marks for pair, marks in _VNI_MARKS.items() for byte in pair})
VNI.update({byte: letter for pair, letters in _VNI_LETTERS.items()
            for byte, letter in zip(pair, letters, strict=True)})

# The sets Vietnamese text may be typed in that urbanmap decodes itself (see files.py's
# _gdal_encoding): Python's cp1258 and the two above.
VIETNAMESE = ("tcvn3", "vni", "cp1258")
LABELS = {"tcvn3": "TCVN3 (the ABC fonts, .VnTime)", "vni": "VNI (the VNI fonts)",
          "cp1258": "Windows Vietnamese (cp1258)"}
_TABLES = {"tcvn3": TCVN3, "vni": VNI}
_NAMES = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "vn1": "tcvn3",
          "tcvn5712": "tcvn3", "tcvn57121": "tcvn3", "tcvn571211993": "tcvn3",  # GDAL's .cpg
          "vni": "vni", "vniwin": "vni", "vniwindows": "vni"}


def _codec(name: str) -> codecs.CodecInfo:
    table = _TABLES[name]

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return codecs.charmap_decode(data, errors, table)

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        raise UnicodeEncodeError(name, text, 0, len(text), "urbanmap reads this set only")

    class IncrementalDecoder(codecs.IncrementalDecoder):
        def decode(self, data: bytes, final: bool = False) -> str:
            return decode(data, self.errors)[0]  # a byte at a time: no state to keep

    class IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text)[0]

    return codecs.CodecInfo(encode, decode, name=name, incrementaldecoder=IncrementalDecoder,
                            incrementalencoder=IncrementalEncoder)


def canonical(encoding: str) -> str | None:
    """Python's name for an encoding, these two included; None for one it does not know.

    >>> canonical("Windows-1258"), canonical("ABC"), canonical("VPS")
    ('cp1258', 'tcvn3', None)
    """
    try:
        return codecs.lookup(encoding).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL, from a damaged .cpg
        return None


def vietnamese_set(declared: str) -> str | None:
    """Which of VIETNAMESE an encoding named by a user or a .cpg is, if any: a .cpg may
    name a code page by its number alone, as ArcGIS writes them.

    >>> vietnamese_set("1258"), vietnamese_set("LDID/163"), vietnamese_set("UTF-8")
    ('cp1258', 'cp1258', None)
    """
    if declared.isdigit() or declared.lower() == "ldid/163":
        declared = "cp" + ("1258" if declared.lower() == "ldid/163" else declared)
    name = canonical(declared)
    return name if name in VIETNAMESE else None


def _search(name: str) -> codecs.CodecInfo | None:
    canonical = _NAMES.get(name.lower().replace("-", "").replace("_", "").replace(" ", ""))
    return _codec(canonical) if canonical else None


codecs.register(_search)


# -- text that was typed in one of these sets and read as another ----------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"
# A Vietnamese syllable without its tone: onset, vowels (the clusters the language has),
# final consonant. Strict enough that text read in the wrong set fails it ("Tâìn", "QuËn").
_SYLLABLE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(iêu|yêu|oai|oay|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|"
    r"oe|oi|ôi|ơi|oo|ôô|ua|uâ|uă|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|[aăâeêioôơuưy])"
    r"(ch|ng|nh|[cmnpt])?", re.IGNORECASE)
# Spaces, digits and ASCII punctuation; not the symbols a misread letter becomes ("Ph¸t").
_BETWEEN_WORDS = re.compile("[\\s0-9" + re.escape(string.punctuation) + "]+")


def as_read(text: str) -> bytes | None:
    """The bytes `text` was read from as Latin-1 or as Windows-1252, as GDAL reads a file that
    says no encoding or ANSI; None if it has a letter neither set has (it was read right)."""
    for encoding in ("latin1", "cp1252"):
        try:
            return text.encode(encoding)
        except UnicodeEncodeError:
            continue
    return None


def redecoded(text: str, encoding: str | None) -> str:
    """`text` as it was typed in `encoding`, from the bytes it was read from, in NFC; as it
    is when no set is named (None: it was read right).

    >>> redecoded("QuËn 7", "tcvn3"), redecoded("Quaän 7", "vni"), redecoded("Quận 7", "vni")
    ('Quận 7', 'Quận 7', 'Quận 7')
    >>> redecoded("QuËn 7", None)
    'QuËn 7'
    """
    if encoding is None:
        return text
    raw = as_read(text)
    return text if raw is None else unicodedata.normalize("NFC", raw.decode(encoding))


def reads_vietnamese(text: str) -> bool:
    """Whether every word of `text` with a letter beyond ASCII is a Vietnamese syllable.

    >>> reads_vietnamese("Hẻm 35, Huỳnh Tấn Phát"), reads_vietnamese("HÎm 35,Huúnh TÊn Ph¸t")
    (True, False)
    >>> reads_vietnamese("TN-01,Hoạt động;106.73"), reads_vietnamese("TN-01,Ho¹t ®éng;106.73")
    (True, False)
    """
    return all(_is_syllable(word) for word in _BETWEEN_WORDS.split(text) if not word.isascii())


def _is_syllable(word: str) -> bool:
    letters = unicodedata.normalize("NFD", word)
    toneless = "".join(c for c in letters if c not in _TONES)
    return len(letters) - len(toneless) <= 1 and \
        _SYLLABLE.fullmatch(unicodedata.normalize("NFC", toneless)) is not None


def typed_in(texts: Iterable[str]) -> tuple[str, str, str] | None:
    """The set `texts` look typed in before being read as Latin-1 or Windows-1252, with a
    word of theirs as read and as typed; None when they read as they should.

    A text looks so when a word of it is not Vietnamese as read ("QuËn") and every word is
    once decoded from its bytes ("Quận"). It takes most of the texts with a letter beyond
    ASCII looking so, in one set: text read right has letters no 8-bit set has (ậ, ư, đ).

    >>> typed_in(["QuËn 7", "Ph­êng T©n ThuËn §«ng", "Hà Nội"])
    ('tcvn3', 'QuËn', 'Quận')
    >>> typed_in(["Quận 7", "Phường Tân Thuận Đông", "Café ©"]) is None
    True
    """
    beyond_ascii, misread, example = 0, Counter[str](), {}
    for text in texts:
        if text.isascii():
            continue
        beyond_ascii += 1
        raw = as_read(text)
        if raw is None or reads_vietnamese(text):
            continue
        for encoding in VIETNAMESE:
            try:
                typed = unicodedata.normalize("NFC", raw.decode(encoding))
            except UnicodeDecodeError:  # cp1258 lacks a few bytes
                continue
            if reads_vietnamese(typed):
                misread[encoding] += 1
                example.setdefault(encoding, _first_misread_word(text, encoding))
    if not misread:
        return None
    encoding, count = misread.most_common(1)[0]
    return (encoding, *example[encoding]) if 2 * count > beyond_ascii else None


def _first_misread_word(text: str, encoding: str) -> tuple[str, str]:
    """The first word of `text` that is not Vietnamese as read, and as typed in `encoding`."""
    word = next(w for w in _BETWEEN_WORDS.split(text) if not w.isascii() and not _is_syllable(w))
    return word, redecoded(word, encoding)


def misread_message(texts: Iterable[str], as_is: str) -> str | None:
    """What to tell of a file if `texts` look typed in a Vietnamese set and read as another
    (`typed_in`): the set to name to load it right, and `as_is`, the one to name to load it
    as it was read."""
    found = typed_in(texts)
    if found is None:
        return None
    encoding, as_read, typed = found
    return (f"its text looks typed in {LABELS[encoding]} and read as another set: "
            f"{as_read!r} reads {typed!r} in it. Load it again with --encoding {encoding}; if "
            f"{as_read!r} is right as it is, with --encoding {as_is}.")
