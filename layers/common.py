"""Attributes shared by many layers, declared once."""

from layers.spec import Field

NAME = Field("name", "text", "Name as used locally, Unicode NFC")
ADDRESS = Field("address", "text", "Street address")
PHONE = Field("phone", "text", "Contact telephone")
OPENING_HOURS = Field("opening_hours", "text", "Opening hours, OpenStreetMap syntax")
OPERATOR = Field("operator", "text", "Who runs it")
SURFACE = Field("surface", "text", "Surface: asphalt, concrete, paving_stones, unpaved …")
WIDTH_M = Field("width_m", "real", "Width (carriageway for ways, channel for water)", unit="m",
                plausible=(0, 150))  # a way's; water's is wider (layers/water.py)
AREA_M2 = Field("area_m2", "real", "Area, measured from the geometry", unit="m²")

POINT_OF_INTEREST = (NAME, ADDRESS, PHONE, OPENING_HOURS, OPERATOR)
# A list of places (the health office's pharmacies, a sheet of markets) has no ids: a place
# is its name at its address. Known by its row number instead, one row inserted near the
# top gave every place below it the next one's name, fid and all.
NAME_AT_ADDRESS = ("name", "address")
