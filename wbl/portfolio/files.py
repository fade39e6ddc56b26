"""The portfolio's name for the upload checks, which moved to the shared layer
(``wbl.uploads``) so that features below the portfolio (the catalog's supervisor clearance
documents) check files by the same rule."""

from wbl.uploads import (
    ACCEPTED,
    DOCX_TYPE,
    MAX_DOCX_EXPANDED,
    MAX_IMAGE_PIXELS,
    MAX_UPLOAD_BYTES,
    BadFile,
    CleanFile,
    clean_upload,
    display_name,
)

__all__ = [
    "ACCEPTED",
    "DOCX_TYPE",
    "MAX_DOCX_EXPANDED",
    "MAX_IMAGE_PIXELS",
    "MAX_UPLOAD_BYTES",
    "BadFile",
    "CleanFile",
    "clean_upload",
    "display_name",
]
