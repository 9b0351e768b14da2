"""Economy: markets, shops, licensed food businesses and billboards."""

from layers.common import NAME_AT_ADDRESS, POINT_OF_INTEREST
from layers.spec import Field, LayerSpec


def _economy_point(layer_id: str, title: str, title_vi: str, description: str,
                   *extra: Field) -> LayerSpec:
    return LayerSpec(
        id=layer_id, title=title, title_vi=title_vi, domain="economy", description=description,
        geometry="Point", fields=(*POINT_OF_INTEREST, *extra), minzoom=13,
        natural_key=NAME_AT_ADDRESS,
    )


LICENCE_NUMBER = Field("licence_number", "text", "Number of the licence")
LICENCE_EXPIRES = Field("licence_expires", "date", "Date the licence expires")

MARKETS = _economy_point(
    "markets", "Markets and supermarkets", "Chợ, siêu thị",
    "Traditional markets (chợ) and supermarkets.",
    Field("kind", "text", "market or supermarket", choices=("market", "supermarket")),
)
MALLS = _economy_point("malls", "Shopping malls", "Trung tâm thương mại", "Shopping centres.")
CONVENIENCE_STORES = _economy_point(
    "convenience_stores", "Convenience stores", "Cửa hàng tiện lợi",
    "Convenience stores and minimarts.",
)
FOOD_BUSINESSES = _economy_point(
    "food_businesses", "Licensed food businesses", "Cơ sở kinh doanh thực phẩm",
    "Businesses holding a food safety certificate (giấy chứng nhận an toàn thực phẩm).",
    Field("kind", "text", "restaurant, cafe, fast_food, food_stall, bakery …"),
    LICENCE_NUMBER, LICENCE_EXPIRES,
)
BILLBOARDS = _economy_point(
    "billboards", "Advertising billboards", "Bảng quảng cáo",
    "Outdoor advertising structures and their permits.",
    Field("width_m", "real", "Board width", unit="m", plausible=(0, 100)),
    Field("height_m", "real", "Board height", unit="m", plausible=(0, 100)),
    LICENCE_NUMBER, LICENCE_EXPIRES,
)

LAYERS = (MARKETS, MALLS, CONVENIENCE_STORES, FOOD_BUSINESSES, BILLBOARDS)
