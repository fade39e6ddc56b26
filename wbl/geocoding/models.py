"""Addresses already looked up by the optional street-address geocoder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow


class GeocodeCache(Base):
    """One row per normalised address query. Nominatim's usage policy asks for caching and
    at most one request a second; a cached address is never asked again."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(400), unique=True)
    latitude: Mapped[float]
    longitude: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
