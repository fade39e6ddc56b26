"""The county's settings: one row, kept by administrators (Administration ▸ County settings).

Until an administrator saves them there is no row, and the server's configuration
(``WBL_COUNTY_NAME``, ``WBL_TIMEZONE``, ``WBL_BASE_URL``) stands in for it, so a deployment
that set those keeps working after the upgrade. Read them through ``wbl.county.settings.county``
(cached), never from this table directly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow

NAME_LENGTH = 160
TIMEZONE_LENGTH = 64
BASE_URL_LENGTH = 300
SETTINGS_ID = 1


class CountySettings(Base):
    __tablename__ = "county_settings"
    # One county per database: the only row has id 1.
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_LENGTH))
    base_url: Mapped[str] = mapped_column(String(BASE_URL_LENGTH))
    # The logo, through the storage service (wbl/storage.py): a generated key, never a name
    # the uploader chose; its type was sniffed and the image cleaned at upload.
    logo_key: Mapped[str | None] = mapped_column(String(80))
    logo_content_type: Mapped[str] = mapped_column(String(40), default="")
    # Bumped on every save: the logo's address carries it, so browsers fetch a new logo.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
