"""What agencies call each field, its units and its values: declarations the loaders'
column mapping (loaders/mapping.py) reads. Names are written as `column_key` compares
them: lower case, Vietnamese without diacritics, words joined by underscores.
"""

from layers.landuse_codes import LAND_USE_CODES

# Unit (as `column_key` spells it) -> (quantity, size in that quantity's base unit).
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("length", 0.001), "cm": ("length", 0.01), "dm": ("length", 0.1),
    "m": ("length", 1.0), "km": ("length", 1000.0),
    "kg": ("mass", 0.001), "t": ("mass", 1.0), "tan": ("mass", 1.0),  # tấn, a tonne
    "m2": ("area", 1.0), "ha": ("area", 10_000.0), "km2": ("area", 1_000_000.0),
    "bar": ("pressure", 1.0), "kpa": ("pressure", 0.01), "mpa": ("pressure", 10.0),
    "atm": ("pressure", 1.01325),
    "m3": ("volume", 1.0), "l": ("volume", 0.001), "lit": ("volume", 0.001),
}

# Field name -> other names for its column, best first: English, and Vietnamese without
# diacritics as agencies type them in DBF columns.
SYNONYMS: dict[str, str] = {
    "name": "ten ten_cs ten_co_so ten_don_vi ten_doanh_nghiep ten_dn ten_diem ten_goi name_vi",
    "code": "ma ma_tru ma_so so_hieu ma_tru_nuoc ma_hieu ma_phuong ma_dvhc",
    "kind": "loai phan_loai loai_hinh type class fclass",
    "width_m": "width be_rong rong chieu_rong b_rong ngang chieu_ngang",
    "height_m": "height cao chieu_cao", "lanes": "so_lan so_lan_xe lan_xe",
    "surface": "mat_duong ket_cau loai_mat ket_cau_mat", "oneway": "mot_chieu one_way",
    "status": "tinh_trang trang_thai hien_trang", "pressure_bar": "ap_luc ap_suat",
    "last_inspected": "ngay_kt ngay_kiem_tra ngay_kiem inspected",
    "street": "duong ten_duong tren_duong", "number": "so_hem",
    "opens_from": "duong tu_duong mat_tien duong_chinh",
    "load_limit_t": "tai_trong tai_trong_cho_phep maxweight",
    "clearance_m": "tinh_khong do_tinh_khong", "length_m": "chieu_dai dai do_dai length",
    "crosses": "vuot_qua vuot song kenh song_kenh",
    "floors": "so_tang tang levels building_levels", "units": "so_can so_can_ho can_ho flats",
    "year_built": "nam_xay_dung nam_xd nam_hoan_thanh nam_ht",
    "population": "dan_so so_dan nhan_khau",
    # A zoning plan's lot (lô) and its use, as its legend calls it (chức năng sử dụng đất)
    "zone_code": "ma_o ma_khu o_quy_hoach ky_hieu_o ma_lo kh_lo ky_hieu_lo so_lo ten_lo lo",
    "land_use_code": "ma_loai_dat loai_dat kyhieu ky_hieu mdsd ma_mdsd chuc_nang chuc_nang_sdd "
                     "chuc_nang_su_dung_dat cn_sdd muc_dich_su_dung muc_dich_sd",
    "plan_name": "ten_do_an do_an ten_quy_hoach quy_hoach",
    "max_floors": "tang_cao tang_toi_da tang_cao_toi_da so_tang_toi_da",
    "floor_area_ratio": "hsdd he_so_sd hssdd he_so_su_dung_dat far",
    "approved_on": "ngay_duyet ngay_phe_duyet ngay_qd ngay_ban_hanh",
    # A rural district's units are communes (xã), a town's core a thị trấn
    "ward_name": "phuong ten_phuong ward phuong_xa xa_phuong xa ten_xa ten_phuong_xa "
                 "thi_tran ten_dvhc dia_ban",
    "ward_code": "ma_phuong ma_px ma_dvhc ma_xa",
    "report_date": "ngay ngay_bao_cao ngay_bc date", "new_cases": "ca_moi so_ca_moi f0_moi",
    "vaccinated_doses": "mui_tiem so_mui_tiem so_mui doses",
    "fully_vaccinated": "tiem_du du_mui tiem_du_mui",
    "address": "dia_chi dc", "phone": "dien_thoai sdt so_dt tel telephone",
    "opening_hours": "gio_mo_cua gio_hoat_dong gio_lam_viec hours",
    "operator": "don_vi_quan_ly chu_dau_tu dv_quan_ly quan_ly chu_so_huu",
    "beds": "so_giuong giuong_benh giuong", "emergency": "cap_cuu co_cap_cuu",
    "licence_number": "so_giay_phep so_gp giay_phep so_gcn license_number license_no",
    "licence_expires": "ngay_het_han het_han han_gp license_expires",
    "public_access": "cong_cong mo_cua_cong_cong",
    "collection_time": "gio_thu_gom thoi_gian_thu_gom gio_thu",
    "capacity_m3": "suc_chua dung_tich the_tich",
    "elevation_m": "cao_do do_cao cao_trinh elevation ele z h",
}
# Names one layer's field goes by, tried before SYNONYMS: "ten_duong" names a road, but in
# a register of clinics it is the street of the address.
LAYER_SYNONYMS: dict[tuple[str, str], str] = {
    ("roads", "name"): "ten_duong", ("alleys", "name"): "ten_hem", ("bridges", "name"): "ten_cau",
    ("waterways", "name"): "ten_song ten_kenh ten_rach",
    ("wards", "name"): "ten_phuong phuong ward_name ward ten_xa xa phuong_xa xa_phuong "
                       "ten_phuong_xa ten_dvhc",
    ("water_areas", "name"): "ten_song ten_kenh ten_rach ten_ho", ("markets", "name"): "ten_cho",
    ("green_spaces", "name"): "ten_cong_vien ten_cv",
    # CC: chung cư, as a DBF column's ten characters shorten it
    ("apartments", "name"): "ten_chung_cu ten_cc ten_toa_nha ten_du_an",
    ("hospitals", "name"): "ten_benh_vien ten_bv", ("pharmacies", "name"): "ten_nha_thuoc",
    ("clinics", "name"): "ten_phong_kham", ("health_stations", "name"): "ten_tram",
    ("roads", "kind"): "highway loai_duong cap_duong", ("alleys", "kind"): "highway",
    ("waterways", "kind"): "waterway",
    # A hydrant has no name but its code: a KML placemark's name (Google My Maps, Google
    # Earth, a phone's field app) is the code painted on it, unless a column says the code.
    ("hydrants", "code"): "ma_tru ma_tru_nuoc ma ma_so so_hieu ma_hieu name ten_tru",
}
# Land-use code -> what the legends of zoning plans (quy hoạch phân khu 1/2000, chi tiết
# 1/500) call the same use, with and without "Đất": they name uses by what is built on a
# lot (nhóm nhà ở, cây xanh sử dụng công cộng, bãi đỗ xe), where the cadastre names the
# land. "Công trình công cộng" (schools, clinics, offices together) has no single code.
PLAN_LEGEND_NAMES: dict[str, tuple[str, ...]] = {
    "ODT": ("ở tại đô thị", "đất ở", "đất ở đô thị", "đất ở hiện hữu", "đất ở xây dựng mới",
            "đất ở mới", "đất ở cao tầng", "đất ở thấp tầng", "đất ở chung cư",
            "đất ở xã hội", "đất nhà ở xã hội", "đất khu dân cư", "đất dân cư",
            "đất đơn vị ở", "nhóm nhà ở", "đất nhóm nhà ở", "đất nhóm nhà ở hiện hữu",
            "đất nhóm nhà ở hiện hữu cải tạo", "đất nhóm nhà ở hiện hữu chỉnh trang",
            "đất nhóm nhà ở xây dựng mới", "nhà ở hiện hữu", "nhà ở xây dựng mới"),
    "HH": ("sử dụng hỗn hợp", "đất sử dụng hỗn hợp", "đất ở hỗn hợp", "đất công trình hỗn hợp",
           "đất hỗn hợp cao tầng", "đất hỗn hợp nhóm nhà ở và dịch vụ"),
    "CXT": ("đất cây xanh sử dụng công cộng", "cây xanh sử dụng công cộng",
            "đất cây xanh công cộng", "cây xanh công cộng", "đất công viên cây xanh",
            "công viên cây xanh", "đất cây xanh công viên", "đất công viên", "công viên",
            "đất cây xanh cách ly", "cây xanh cách ly", "đất cây xanh chuyên dùng",
            "cây xanh chuyên dùng", "đất cây xanh đơn vị ở", "đất vườn hoa", "vườn hoa"),
    "DGD": ("đất giáo dục", "giáo dục", "đất công trình giáo dục", "đất trường học",
            "trường học", "đất trường mầm non", "đất trường tiểu học",
            "đất trường trung học cơ sở", "đất trường trung học phổ thông"),
    "DYT": ("đất y tế", "y tế", "đất công trình y tế", "đất bệnh viện"),
    "DVH": ("đất văn hóa", "văn hóa", "đất công trình văn hóa"),
    "DTT": ("đất thể dục thể thao", "thể dục thể thao", "đất tdtt", "tdtt",
            "đất công trình thể dục thể thao"),
    "TSC": ("đất hành chính", "hành chính", "đất công trình hành chính", "đất trụ sở"),
    "TMD": ("đất thương mại", "đất dịch vụ", "đất thương mại dịch vụ", "thương mại dịch vụ",
            "đất tmdv", "tmdv", "đất công trình thương mại dịch vụ"),
    "SKC": ("đất công nghiệp", "công nghiệp", "đất công nghiệp kho tàng", "đất kho tàng"),
    "TON": ("đất tôn giáo", "tôn giáo", "đất tôn giáo tín ngưỡng", "tôn giáo tín ngưỡng"),
    "DGT": ("đất đường giao thông", "đất giao thông đô thị", "đất giao thông đối ngoại",
            "đất bãi đỗ xe", "bãi đỗ xe", "đất bãi đậu xe", "bãi đậu xe",
            "đất quảng trường", "quảng trường"),
    "MNC": ("mặt nước", "đất mặt nước", "hồ điều hòa", "đất hồ điều hòa"),
    "SON": ("sông rạch", "đất sông rạch", "kênh rạch", "mặt nước sông rạch"),
}

# Stored value (one of a field's choices) -> how sources write it, separated by "|".
VALUE_SYNONYMS: dict[str, str] = {
    "working": "hoạt động|tốt|bình thường|còn sử dụng|đạt|ok|active|in service|good",
    "out_of_service": "hỏng|hư|hư hỏng|ngưng hoạt động|không hoạt động|không sử dụng được|"
                      "broken|inactive|out of service|damaged",
    "river": "sông", "canal": "kênh", "rach": "rạch", "stream": "suối", "ditch": "mương",
    "market": "chợ", "supermarket": "siêu thị", "alley": "hẻm|kiệt|ngõ",
    "footway": "lối đi bộ", "steps": "bậc thang",
    # Road classes as Vietnamese plans and registers name them: the urban hierarchy of
    # TCXDVN 104:2007 (city level: motorway, trunk, main and inter-area roads; area level;
    # internal roads) and the administrative one (national, provincial, district roads).
    "motorway": "đường cao tốc|cao tốc|đường cao tốc đô thị|cao tốc đô thị",
    "trunk": "quốc lộ|đường trục chính đô thị|trục chính đô thị|đường trục chính|trục chính",
    "primary": "đường chính đô thị|chính đô thị|đường tỉnh|tỉnh lộ",
    "secondary": "đường liên khu vực|liên khu vực|đường huyện|huyện lộ",
    "tertiary": "đường chính khu vực|chính khu vực|đường khu vực|khu vực",
    "residential": "đường phân khu vực|phân khu vực|đường nội bộ|nội bộ|đường nhóm nhà ở|"
                   "đường vào nhà|đường dân sinh|dân sinh",
    "unclassified": "đường xã|đường thôn|đường giao thông nông thôn",
    # A land-use code by its name, as a plan's legend writes it: "Đất ở tại đô thị" (ODT),
    # also without "Đất" ("Giao thông", DGT), and by the names of zoning plans' legends.
    **{code: "|".join((name, name.removeprefix("Đất "), *PLAN_LEGEND_NAMES.get(code, ())))
       for code, (name, _) in LAND_USE_CODES.items()},
}
