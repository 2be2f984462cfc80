"""Column types and computed columns the models share: ``ltree`` paths, geometry with
its validity check, and the tile keys (Web Mercator geometry, Morton codes) that the
database computes on every write so that tiles never do it per request.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, Computed, Enum
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType


class LTree(UserDefinedType):
    """PostgreSQL ``ltree``: the materialised path of an area ("everything under X")."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "LTREE"


def geom_column(kind: str) -> Any:
    # spatial_index=False: the migration names its GiST indexes explicitly.
    return Geometry(kind, srid=4326, spatial_index=False)


def valid_geometry(column: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"ST_IsValid({column})", name="geom_valid")


TO_3857 = "ST_Transform(geom, 3857)"
BOX_X = "(ST_XMin(geom) + ST_XMax(geom)) / 2"
BOX_Y = "(ST_YMin(geom) + ST_YMax(geom)) / 2"


def mx(lon: str) -> str:
    return f"floor(({lon} + 180) / 360 * 16777216)::int8"


def my(lat: str) -> str:
    mercator = f"ln(tan(radians({lat})) + 1 / cos(radians({lat})))"
    return f"floor((1 - {mercator} / pi()) / 2 * 16777216)::int8"


def morton(lon: str, lat: str) -> str:
    return f"wangge_morton24({mx(lon)}, {my(lat)})"


def enum_type(name: str, values: tuple[str, ...]) -> Enum:
    return Enum(*values, name=name)


class PointTileColumns:
    """What the tiles read of a point layer, written by the database on every write
    (migrations 0005, 0006 and 0008 for cameras); never set by hand."""

    geom_3857: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=3857, spatial_index=False), Computed(TO_3857), nullable=True
    )
    mx: Mapped[int | None] = mapped_column(BigInteger, Computed(mx("ST_X(geom)")))
    my: Mapped[int | None] = mapped_column(BigInteger, Computed(my("ST_Y(geom)")))
    morton: Mapped[int | None] = mapped_column(
        BigInteger, Computed(morton("ST_X(geom)", "ST_Y(geom)"))
    )
