"""Vietnamese land-use codes (ký hiệu loại đất) used on planning maps.

Codes follow the land-use classification of Circular 27/2018/TT-BTNMT, plus two that
detailed urban plans (quy hoạch phân khu 1/2000, chi tiết 1/500) use and the cadastre does
not have: CXT (đất cây xanh) for green land, and HH (đất hỗn hợp) for mixed-use lots, whose
homes, shops and offices share one building or lot.
Each code maps to its Vietnamese name and a broad category for styling and risk models.
"""

LAND_USE_CODES: dict[str, tuple[str, str]] = {
    "ODT": ("Đất ở tại đô thị", "residential"),
    "TMD": ("Đất thương mại, dịch vụ", "commercial"),
    "SKC": ("Đất cơ sở sản xuất phi nông nghiệp", "industrial"),
    "SKK": ("Đất khu công nghiệp", "industrial"),
    "DGT": ("Đất giao thông", "transport"),
    "DTL": ("Đất thủy lợi", "water"),
    "SON": ("Đất sông, ngòi, kênh, rạch, suối", "water"),
    "MNC": ("Đất có mặt nước chuyên dùng", "water"),
    "DYT": ("Đất xây dựng cơ sở y tế", "public"),
    "DGD": ("Đất xây dựng cơ sở giáo dục và đào tạo", "public"),
    "DVH": ("Đất xây dựng cơ sở văn hóa", "public"),
    "DTT": ("Đất xây dựng cơ sở thể dục thể thao", "public"),
    "TSC": ("Đất xây dựng trụ sở cơ quan", "public"),
    "DCH": ("Đất chợ", "commercial"),
    "DKV": ("Đất khu vui chơi, giải trí công cộng", "green"),
    "CXT": ("Đất cây xanh", "green"),
    "HH": ("Đất hỗn hợp", "mixed"),
    "TON": ("Đất cơ sở tôn giáo", "public"),
    "NTD": ("Đất nghĩa trang, nghĩa địa", "public"),
    "CQP": ("Đất quốc phòng", "public"),
    "CAN": ("Đất an ninh", "public"),
    "BCS": ("Đất bằng chưa sử dụng", "unused"),
}

CATEGORIES = tuple(sorted({category for _, category in LAND_USE_CODES.values()}))


def land_use_category(code: str) -> str:
    """The broad category of a land-use code.

    >>> land_use_category("odt")
    'residential'
    """
    return LAND_USE_CODES[code.strip().upper()][1]
