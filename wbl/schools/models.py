"""The county's districts and their high schools: the units that scope data."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base


class District(Base):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # CDS county-district code
    active: Mapped[bool] = mapped_column(default=True)

    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    cds_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    city: Mapped[str] = mapped_column(String(80), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District] = relationship(back_populates="schools")
