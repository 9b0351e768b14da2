"""Column mapping: agencies' column names, units and values onto a layer's fields."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import InvalidInput
from layers import get_layer
from layers.spec import Field, LayerSpec
from loaders.mapping import (
    ColumnMapping,
    apply_mapping,
    column_key,
    load_mapping_file,
    match_columns,
)

MAPPINGS = Path(__file__).parent / "fixtures" / "mappings"


def mapped(layer_id: str, columns: list[str], **kwargs: object) -> dict[str, str]:
    """Field -> source column, the shape most tests compare."""
    found = match_columns(get_layer(layer_id), columns, **kwargs)  # type: ignore[arg-type]
    return {name: source.column for name, source in found.fields.items()}


def convert(layer_id: str, column: str, values: list[object], **kwargs: object) -> list[object]:
    """The values of one source column as the field it maps to receives them."""
    spec = get_layer(layer_id)
    mapping = match_columns(spec, [column], **kwargs)  # type: ignore[arg-type]
    (name,) = mapping.fields
    return apply_mapping(pd.DataFrame({column: values}), mapping, spec)[name].tolist()


def write(tmp_path: Path, text: str, name: str = "agency.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- names -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Tên đường", "TEN_DUONG", "ten duong", "tenduong", "Ten-Duong", "TÊN ĐƯỜNG",
    "Te\u0302n đu\u031bo\u031b\u0300ng",  # NFD, as some GIS tools on macOS write it
])
def test_spellings_of_a_name_share_one_key(name: str) -> None:
    assert column_key(name) == "tenduong"


@pytest.mark.parametrize(("name", "key"), [
    ("Đường", "duong"), ("Mã trụ", "matru"), ("AP_LUC (kPa)", "apluckpa"), ("m²", "m2"),
    ("  ", ""),
])
def test_column_key(name: str, key: str) -> None:
    assert column_key(name) == key


def test_a_vietnamese_roads_shapefile_maps_by_synonyms() -> None:
    found = match_columns(get_layer("roads"),
                          ["TEN_DUONG", "BE_RONG", "SO_LAN", "KET_CAU", "OBJECTID"])
    assert {name: s.column for name, s in found.fields.items()} == {
        "name": "TEN_DUONG", "width_m": "BE_RONG", "lanes": "SO_LAN", "surface": "KET_CAU"}
    assert found.source_id == "OBJECTID"
    assert found.unmapped == ()


def test_a_road_name_column_is_not_a_clinic_name() -> None:
    found = match_columns(get_layer("clinics"), ["TEN_CS", "TEN_DUONG", "DIA_CHI"])
    assert found.fields["name"].column == "TEN_CS"
    assert found.unmapped == ("TEN_DUONG",)


def test_a_column_named_like_the_field_beats_a_synonym() -> None:
    assert mapped("roads", ["TEN", "Name"]) == {"name": "Name"}


def test_names_cut_to_ten_characters_by_a_shapefile_still_match() -> None:
    assert mapped("hydrants", ["LAST_INSPE", "PRESSURE_B"]) == {
        "last_inspected": "LAST_INSPE", "pressure_bar": "PRESSURE_B"}


def test_only_a_ten_character_name_can_be_a_cut_one() -> None:
    assert mapped("hydrants", ["LAST_INS"]) == {}


def test_layer_specific_synonyms() -> None:
    assert mapped("roads", ["highway"]) == {"kind": "highway"}
    assert mapped("waterways", ["waterway"]) == {"kind": "waterway"}


@pytest.mark.parametrize("column", ["Cao độ (m)", "CAO_DO", "Z", "ele"])
def test_a_survey_height_column_is_the_elevation(column: str) -> None:
    assert mapped("spot_heights", [column]) == {"elevation_m": column}


@pytest.mark.parametrize(("layer", "columns", "expected"), [
    ("apartments", ["TEN_CC", "SO_TANG", "NAM_XD"],
     {"name": "TEN_CC", "floors": "SO_TANG", "year_built": "NAM_XD"}),
    ("roads", ["TEN_DUONG", "LOAI_DUONG", "CHIEU_RONG"],
     {"name": "TEN_DUONG", "kind": "LOAI_DUONG", "width_m": "CHIEU_RONG"}),
    ("roads", ["TEN_DUONG", "CAP_DUONG"], {"name": "TEN_DUONG", "kind": "CAP_DUONG"}),
    ("planning_zones", ["KH_LO", "CHUCNANG", "TANG_CAO", "HSSDD"],
     {"zone_code": "KH_LO", "land_use_code": "CHUCNANG", "max_floors": "TANG_CAO",
      "floor_area_ratio": "HSSDD"}),
    ("planning_zones", ["KY_HIEU_LO", "CHUC_NANG_SDD"],
     {"zone_code": "KY_HIEU_LO", "land_use_code": "CHUC_NANG_SDD"}),
])
def test_a_dbfs_shortened_names_map(layer: str, columns: list[str],
                                     expected: dict[str, str]) -> None:
    """Column names as a Shapefile's ten characters leave them: an apartment block's name
    as TEN_CC (tên chung cư), a road's class as LOAI_DUONG or CAP_DUONG, a zoning plan's lot
    as KH_LO (ký hiệu lô) and its use as CHUCNANG (chức năng sử dụng đất)."""
    assert mapped(layer, columns) == expected


def test_unmapped_columns_are_reported_and_geometry_is_not() -> None:
    found = match_columns(get_layer("roads"), ["TEN_DUONG", "GHI_CHU", "geometry", "NGUOI_NHAP"])
    assert found.unmapped == ("GHI_CHU", "NGUOI_NHAP")


def test_a_column_feeds_one_field_only() -> None:
    both_want_it = LayerSpec(  # "duong" is a synonym of both fields
        id="street_names", title="t", title_vi="t", domain="transport", description="d",
        geometry=None, fields=(Field("street", "text", "s"), Field("opens_from", "text", "o")))
    found = match_columns(both_want_it, ["DUONG"])
    assert {name: s.column for name, s in found.fields.items()} == {"street": "DUONG"}


def test_an_override_takes_a_column_from_the_field_that_would_have_had_it() -> None:
    assert mapped("roads", ["TEN_DUONG", "LOAI"], overrides={"TEN_DUONG": "surface"}) == {
        "kind": "LOAI", "surface": "TEN_DUONG"}


@pytest.mark.parametrize(("columns", "source_id"), [
    (["ten", "OBJECTID"], "OBJECTID"), (["osm_id", "FID"], "FID"),
    (["Mã định danh"], "Mã định danh"), (["ten"], None),
])
def test_source_id_column_is_found(columns: list[str], source_id: str | None) -> None:
    assert match_columns(get_layer("roads"), columns).source_id == source_id


# -- precedence ----------------------------------------------------------------------------

PRECEDENCE_COLUMNS = ["MA_TRU", "SO_HIEU", "KY_HIEU_TRU", "TINH_TRANG"]


def test_synonyms_choose_when_nothing_else_does() -> None:
    assert mapped("hydrants", PRECEDENCE_COLUMNS)["code"] == "MA_TRU"


def test_a_mapping_file_beats_synonyms(tmp_path: Path) -> None:
    path = write(tmp_path, '[columns]\nSO_HIEU = "code"\n')
    assert mapped("hydrants", PRECEDENCE_COLUMNS, mapping_file=path)["code"] == "SO_HIEU"


def test_an_override_beats_the_mapping_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[columns]\nSO_HIEU = "code"\n')
    found = mapped("hydrants", PRECEDENCE_COLUMNS, mapping_file=path,
                   overrides={"KY_HIEU_TRU": "code"})
    assert found["code"] == "KY_HIEU_TRU"


def test_an_override_repeating_the_file_keeps_its_unit() -> None:
    found = match_columns(get_layer("hydrants"), ["MA_TRU", "TINH_TRANG", "NGAY_KT", "AP_LUC"],
                          mapping_file=MAPPINGS / "hydrants.toml",
                          overrides={"AP_LUC": "pressure_bar"})
    assert found.fields["pressure_bar"].scale == 0.01


@pytest.mark.parametrize(("columns", "code"), [
    (["Name", "description", "Tình trạng"], "Name"),  # a KML placemark's name
    (["Name", "Mã trụ", "Tình trạng"], "Mã trụ"),     # unless a column says the code
    (["Name", "MA", "Tình trạng"], "MA"),
])
def test_a_hydrants_name_is_its_code(columns: list[str], code: str) -> None:
    assert mapped("hydrants", columns)["code"] == code


def test_override_columns_match_by_key() -> None:
    assert mapped("hydrants", ["Kí hiệu"], overrides={"KI_HIEU": "code"}) == {"code": "Kí hiệu"}


def test_two_overrides_for_one_field_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"--map: one field from two columns"):
        match_columns(get_layer("roads"), ["A", "B"], overrides={"A": "name", "B": "name"})


def test_an_override_naming_no_field_says_which_fields_exist() -> None:
    with pytest.raises(InvalidInput, match=r"--map name=TEN: .*fields are: name, kind"):
        match_columns(get_layer("roads"), ["TEN"], overrides={"name": "TEN"})


# -- units ---------------------------------------------------------------------------------

AREA = LayerSpec(id="parcels", title="t", title_vi="t", domain="planning", description="d",
                 geometry=None, fields=(Field("area_m2", "real", "Area", unit="m²"),))


@pytest.mark.parametrize(("layer_id", "column", "source", "stored"), [
    ("roads", "be_rong_cm", 350, 3.5),
    ("roads", "width_m", 3.5, 3.5),
    ("bridges", "TAI_TRONG_KG", 30_000, 30.0),
    ("bridges", "tai_trong_tan", 30, 30.0),
    ("bridges", "CHIEU_DAI_KM", 1.2, 1200.0),
    ("hydrants", "AP_LUC_KPA", 350, 3.5),
    ("hydrants", "pressure_mpa", 0.35, 3.5),
])
def test_a_unit_in_the_column_name_is_converted(layer_id: str, column: str, source: float,
                                                stored: float) -> None:
    assert convert(layer_id, column, [source]) == [pytest.approx(stored)]


def test_hectares_become_square_metres() -> None:
    mapping = match_columns(AREA, ["area_ha"])
    frame = apply_mapping(pd.DataFrame({"area_ha": [1.5]}), mapping, AREA)
    assert frame["area_m2"].tolist() == [15_000.0]


def test_centimetres_convert_without_float_noise() -> None:
    assert convert("roads", "be_rong_cm", [350, 1234]) == [3.5, 12.34]


def test_a_value_that_is_not_a_number_is_kept_for_the_validator() -> None:
    assert convert("roads", "be_rong_cm", ["n/a", 200]) == ["n/a", 2.0]


def test_units_and_scales_in_a_mapping_file() -> None:
    found = match_columns(get_layer("bridges"), ["TEN_CAU", "TAI_TRONG", "TINH_KHONG"],
                          mapping_file=MAPPINGS / "district7.toml")
    assert {name: s.scale for name, s in found.fields.items()} == {
        "name": 1.0, "load_limit_t": 0.001, "clearance_m": 0.01}


# -- values --------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "stored"), [
    ("hoa\u0323t đô\u0323ng", "working"),  # NFD
    ("HOẠT ĐỘNG", "working"), ("Tốt", "working"), ("bình thường", "working"), ("OK", "working"),
    ("active", "working"), ("working", "working"),
    ("Hỏng", "out_of_service"), ("HƯ", "out_of_service"), ("ngưng hoạt động", "out_of_service"),
    ("Không hoạt động", "out_of_service"), ("broken", "out_of_service"),
    ("Out of service", "out_of_service"), ("inactive", "out_of_service"),
    ("đang sửa", "đang sửa"),  # unknown: passes, for the validator to report
])
def test_hydrant_status_values_are_translated(source: str, stored: str) -> None:
    assert convert("hydrants", "TINH_TRANG", [source]) == [stored]


@pytest.mark.parametrize(("layer_id", "source", "stored"), [
    ("waterways", "Sông", "river"), ("waterways", "KÊNH", "canal"), ("waterways", "rạch", "rach"),
    ("waterways", "Suối", "stream"), ("waterways", "mương", "ditch"),
    ("markets", "Chợ", "market"), ("markets", "SIÊU THỊ", "supermarket"),
    # road classes of TCXDVN 104:2007 and of the administrative register
    ("roads", "Đường cao tốc đô thị", "motorway"), ("roads", "Quốc lộ", "trunk"),
    ("roads", "Đường trục chính đô thị", "trunk"), ("roads", "Đường chính đô thị", "primary"),
    ("roads", "Tỉnh lộ", "primary"), ("roads", "đường liên khu vực", "secondary"),
    ("roads", "Đường chính khu vực", "tertiary"), ("roads", "Đường khu vực", "tertiary"),
    ("roads", "Đường phân khu vực", "residential"), ("roads", "ĐƯỜNG NỘI BỘ", "residential"),
    ("roads", "đường xã", "unclassified"),
])
def test_kinds_are_translated(layer_id: str, source: str, stored: str) -> None:
    assert convert(layer_id, "LOAI", [source]) == [stored]


def test_land_uses_written_by_name_are_their_codes() -> None:
    """A plan's legend names each land use: Circular 27/2018's names, with or without
    "Đất", are its codes; a name it does not know passes as written, for the validator to
    refuse and the report to show."""
    assert convert("planning_zones", "LOAI_DAT", [
        "Đất ở tại đô thị", "đất ở", "Giao thông", "ĐẤT CÂY XANH", "Đất thương mại, dịch vụ",
        "Đất xây dựng cơ sở y tế", "Đất công trình công cộng"]) == [
        "ODT", "ODT", "DGT", "CXT", "TMD", "DYT", "Đất công trình công cộng"]


@pytest.mark.parametrize(("legend", "code"), [
    ("Đất nhóm nhà ở hiện hữu", "ODT"), ("ĐẤT NHÓM NHÀ Ở XÂY DỰNG MỚI", "ODT"),
    ("Đất ở hiện hữu", "ODT"), ("Đất hỗn hợp", "HH"), ("Đất sử dụng hỗn hợp", "HH"),
    ("Đất cây xanh sử dụng công cộng", "CXT"), ("Công viên cây xanh", "CXT"),
    ("Đất cây xanh cách ly", "CXT"), ("Đất giáo dục", "DGD"), ("Đất y tế", "DYT"),
    ("Đất thể dục thể thao", "DTT"), ("Đất thương mại dịch vụ", "TMD"),
    ("Đất công nghiệp", "SKC"), ("Đất tôn giáo", "TON"), ("Đất bãi đỗ xe", "DGT"),
    ("Mặt nước", "MNC"), ("Sông, rạch", "SON"), ("hh", "HH"),
])
def test_a_zoning_plans_legend_names_are_codes(legend: str, code: str) -> None:
    """Zoning plans (1/2000) name a lot's use by what is built on it, in their own words."""
    assert convert("planning_zones", "CHUC_NANG", [legend]) == [code]


def test_land_use_codes_are_read_in_any_case() -> None:
    assert convert("planning_zones", "KY_HIEU", [" odt", "Tmd ", "xyz "]) == ["ODT", "TMD", "xyz "]


def test_missing_values_stay_missing() -> None:
    assert pd.isna(convert("hydrants", "TINH_TRANG", [None, "tốt"])[0])


def test_mapping_file_values_add_to_the_built_in_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[values.status]\n"Tạm ngưng" = "out_of_service"\n')
    stored = convert("hydrants", "TINH_TRANG", ["TẠM NGƯNG", "tốt"], mapping_file=path)
    assert stored == ["out_of_service", "working"]


def test_free_text_fields_are_left_alone() -> None:
    assert convert("roads", "TEN_DUONG", ["  Huỳnh Tấn Phát "]) == ["  Huỳnh Tấn Phát "]


# -- applying ------------------------------------------------------------------------------

def test_apply_returns_the_mapped_fields_and_source_id_on_the_same_index() -> None:
    spec = get_layer("hydrants")
    frame = pd.DataFrame({"MA_TRU": ["T-01", "T-02"], "TINH_TRANG": ["tốt", "Tạm ngưng"],
                          "NGAY_KT": ["2024-03-01", None], "AP_LUC": [350, 200],
                          "GHI_CHU": ["x", "y"]}, index=[7, 7])
    mapping = match_columns(spec, list(frame.columns), mapping_file=MAPPINGS / "hydrants.toml")
    shaped = apply_mapping(frame, mapping, spec)
    assert list(shaped.columns) == ["code", "status", "last_inspected", "pressure_bar",
                                    "source_id"]
    assert shaped["status"].tolist() == ["working", "out_of_service"]
    assert shaped.index.tolist() == [7, 7]
    assert shaped["pressure_bar"].tolist() == [3.5, 2.0]


@pytest.mark.parametrize(("ids", "text"), [
    ([12.0, np.nan], ["12", None]), ([12, 13], ["12", "13"]), (["A-1", None], ["A-1", None]),
    ([1.5, 2.0], ["1.5", "2.0"]), ([12.0, 1e308], ["12.0", "1e+308"]),  # 1e308: not an Int64
])
def test_source_ids_become_text(ids: list[object], text: list[str | None]) -> None:
    spec = get_layer("roads")
    shaped = apply_mapping(pd.DataFrame({"OBJECTID": ids}), match_columns(spec, ["OBJECTID"]),
                           spec)
    assert shaped["source_id"].tolist() == text


def test_a_million_rows_map_quickly() -> None:
    rows = 1_000_000
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "TEN_DUONG": rng.choice(["Nguyễn Thị Thập", "Huỳnh Tấn Phát", "Lê Văn Lương"], rows),
        "BE_RONG_CM": rng.integers(300, 3000, rows).astype(float),
        "LOAI": rng.choice(["Quốc lộ", "residential", "cao tốc", None], rows),
        "OBJECTID": np.arange(rows, dtype=float),
    })
    spec = get_layer("roads")
    mapping = match_columns(spec, list(frame.columns))
    started = time.perf_counter()
    shaped = apply_mapping(frame, mapping, spec)
    assert time.perf_counter() - started < 10
    assert len(shaped) == rows
    assert shaped["source_id"].iloc[-1] == str(rows - 1)
    assert set(shaped["kind"].dropna()) <= {"trunk", "residential", "motorway"}


def test_a_mapping_only_applies_to_its_layer() -> None:
    mapping = ColumnMapping("roads", {}, None, ())
    with pytest.raises(ValueError, match="roads"):
        apply_mapping(pd.DataFrame(), mapping, get_layer("hydrants"))


# -- mapping files -------------------------------------------------------------------------

def test_the_hydrants_example_file() -> None:
    found = match_columns(get_layer("hydrants"), ["MA_TRU", "TINH_TRANG", "NGAY_KT", "AP_LUC"],
                          mapping_file=MAPPINGS / "hydrants.toml")
    assert found.source_id == "MA_TRU"
    assert found.fields["code"].column == "MA_TRU"
    assert found.fields["pressure_bar"].scale == 0.01


def test_a_file_with_several_layers_serves_each() -> None:
    path = MAPPINGS / "district7.toml"
    assert mapped("hydrants", ["SO_TRU", "TINH_TRANG"], mapping_file=path) == {
        "code": "SO_TRU", "status": "TINH_TRANG"}
    found = match_columns(get_layer("hydrants"), ["SO_TRU", "TINH_TRANG"], mapping_file=path)
    assert found.source_id == "SO_TRU"
    bridges = mapped("bridges", ["TEN_CAU", "TAI_TRONG", "TINH_KHONG"], mapping_file=path)
    assert bridges["name"] == "TEN_CAU"


def test_a_layer_missing_from_a_multi_layer_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"district7.toml: nothing maps layer roads.*hydrants"):
        match_columns(get_layer("roads"), ["TEN"], mapping_file=MAPPINGS / "district7.toml")


def test_load_mapping_file_normalises_entries() -> None:
    parsed = load_mapping_file(MAPPINGS / "hydrants.toml")
    assert parsed["columns"]["MA_TRU"] == {"field": "code", "unit": None, "scale": None}
    assert parsed["values"]["status"] == {"Tạm ngưng": "out_of_service"}
    assert parsed["layers"] == {}


@pytest.mark.parametrize("toml, yaml", [("hydrants.toml", "hydrants.yaml"),
                                        ("district7.toml", "district7.yml")])
def test_a_yaml_mapping_file_says_what_its_toml_twin_does(toml: str, yaml: str) -> None:
    assert load_mapping_file(MAPPINGS / yaml) == load_mapping_file(MAPPINGS / toml)


def test_yaml_keys_are_column_names_as_written(tmp_path: Path) -> None:
    """YAML 1.1 reads NO as false and 2019 as a number; as a column's name each is text, and
    "no" as a value stays text too."""
    path = write(tmp_path, "columns:\n  NO: name\n  2019: kind\nvalues:\n  kind: {x: no}\n",
                 "agency.yaml")
    parsed = load_mapping_file(path)
    assert set(parsed["columns"]) == {"NO", "2019"}
    assert parsed["values"]["kind"] == {"x": "no"}
    assert mapped("roads", ["NO", "2019"], mapping_file=path) == {"name": "NO", "kind": "2019"}


@pytest.mark.parametrize(("text", "message"), [
    ("columns:\n  TEN: name\n  TEN: kind\n", r"agency.yaml is not valid YAML: 'TEN' is written "
                                            r"twice"),
    ("columns: [TEN\n", r"agency.yaml is not valid YAML"),
    ("- TEN\n- name\n", r"agency.yaml: the file must be keys and values"),
    ("colums:\n  TEN: name\n", r"agency.yaml: unknown key colums"),
    ("columns:\n  TEN: nmae\n", r"agency.yaml: layer roads has no field nmae"),
])
def test_yaml_mapping_file_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text, "agency.yaml")
    with pytest.raises(InvalidInput, match=message):
        match_columns(get_layer("roads"), ["TEN"], mapping_file=path)


@pytest.mark.parametrize(("text", "message"), [
    ('[columns]\nTEN = "nmae"\n', r"agency.toml: layer roads has no field nmae; its fields are: "
                                  r"name, kind, width_m, lanes, surface, oneway"),
    ('[values.colour]\n"đỏ" = "red"\n', r"agency.toml: layer roads has no field colour"),
    ('[columns]\nRONG = { field = "width_m", unit = "inch" }\n',
     r"agency.toml: column 'RONG': unknown unit 'inch'; the units are: mm, cm"),
    ('[columns]\nRONG = { field = "width_m", unit = "kg" }\n',
     r"agency.toml: column 'RONG': kg does not convert to width_m, which is in m"),
    ('[columns]\nRONG = { field = "width_m", scale = -1 }\n', r"scale must be a number above 0"),
    ('[columns]\nTEN = "name"\nTen = "name"\n', r"agency.toml: TEN and Ten are one column"),
    ('[columns]\nTEN = "name"\nTEN_DUONG = "name"\n', r"field name is mapped from two columns"),
    ('[columns]\nTEN = "name"\nTEN = "kind"\n', r"agency.toml is not valid TOML"),
    ('[columns\nTEN = "name"\n', r"agency.toml is not valid TOML"),
    ('[colums]\nTEN = "name"\n', r"agency.toml: unknown key colums"),
    ('[layers.road.columns]\nTEN = "name"\n', r"agency.toml: unknown layer road; the layers are"),
    ('[columns]\nTEN = 3\n', r"column 'TEN': write \"field\""),
    ('[columns]\nKHONG_CO = "name"\n', r"agency.toml: the file has no column 'KHONG_CO'; its "
                                       r"columns are: TEN"),
    ('', r"agency.toml: nothing maps layer roads"),
])
def test_mapping_file_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput, match=message):
        match_columns(get_layer("roads"), ["TEN"], mapping_file=path)


def test_errors_in_a_layer_section_name_the_section(tmp_path: Path) -> None:
    path = write(tmp_path, '[layers.hydrants.columns]\nMA = "nmae"\n')
    with pytest.raises(InvalidInput, match=r"agency.toml \[layers.hydrants\]: .*no field nmae"):
        load_mapping_file(path)


def test_a_mapped_column_missing_from_the_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"hydrants.toml: the file has no column 'NGAY_KT'"):
        match_columns(get_layer("hydrants"), ["MA_TRU", "TINH_TRANG", "AP_LUC"],
                      mapping_file=MAPPINGS / "hydrants.toml")


def test_a_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Cannot read the mapping file"):
        load_mapping_file(tmp_path / "nowhere.toml")


def test_a_computed_field_cannot_be_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, '[columns]\nDIEN_TICH = "area_m2"\n')
    with pytest.raises(InvalidInput, match="layer wards has no field area_m2"):
        match_columns(get_layer("wards"), ["DIEN_TICH"], mapping_file=path)


@pytest.mark.parametrize(("layer", "columns", "expected"), [
    ("ward_epidemic", ["STT", "Xã", "Ca mới"], {"ward_name": "Xã", "new_cases": "Ca mới"}),
    ("ward_epidemic", ["Phường/Xã", "Mã xã"], {"ward_name": "Phường/Xã", "ward_code": "Mã xã"}),
    ("ward_epidemic", ["Địa bàn", "Số ca mới"], {"ward_name": "Địa bàn",
                                                 "new_cases": "Số ca mới"}),
    ("ward_epidemic", ["Thị trấn", "Ca mới"], {"ward_name": "Thị trấn", "new_cases": "Ca mới"}),
    ("wards", ["Tên xã", "Dân số"], {"name": "Tên xã", "population": "Dân số"}),
])
def test_communes_are_named_as_wards_are(layer: str, columns: list[str],
                                         expected: dict[str, str]) -> None:
    """A rural district's units are communes (xã): its reports head them Xã, Phường/Xã or
    Địa bàn, and every row was refused as missing ward_name."""
    assert mapped(layer, columns) == expected
