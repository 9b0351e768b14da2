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

_TABLES = {"tcvn3": TCVN3, "vni": VNI}
_NAMES = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "vn1": "tcvn3",
          "tcvn5712": "tcvn3", "tcvn57121": "tcvn3", "tcvn571211993": "tcvn3",  # GDAL's .cpg
          "vni": "vni", "vniwin": "vni", "vniwindows": "vni"}
NAMES = tuple(_TABLES)


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


def _search(name: str) -> codecs.CodecInfo | None:
    canonical = _NAMES.get(name.lower().replace("-", "").replace("_", "").replace(" ", ""))
    return _codec(canonical) if canonical else None


codecs.register(_search)
