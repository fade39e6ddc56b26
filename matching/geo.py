"""Great-circle distances in miles, vectorised with numpy.

Why not geopy: recommendations need the distance from one student to every offering
(thousands of pairs per request, tens of millions in a batch), so the distance has to be
an array expression, not a Python loop over pairs. The sphere radius is the same mean
Earth radius geopy's ``great_circle`` uses, so the numbers agree with it to well under
a thousandth of a mile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads at the first array computation, not with the module
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EARTH_RADIUS_MILES",
    "GeoPoints",
    "distance_matrix_miles",
    "haversine_miles",
    "miles_between",
]

#: Mean Earth radius (6371.009 km, the IUGG value geopy uses) expressed in statute miles.
EARTH_RADIUS_MILES: float = 6371.009 / 1.609344


def haversine_miles(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Haversine distance in miles between points given in degrees; inputs broadcast.

    NaN coordinates give NaN distances, which callers treat as "distance unknown".
    """
    import numpy as np

    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    l1 = np.radians(np.asarray(lon1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    l2 = np.radians(np.asarray(lon2, dtype=np.float64))
    h = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Scalar haversine distance in miles (degrees in), for reasons, tests and the app."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, max(0.0, h))))


@dataclass(frozen=True, slots=True)
class GeoPoints:
    """Points as half unit vectors, precomputed once for fast all-pairs distance matrices.

    For two points on the unit sphere, half the straight-line (chord) distance ``c`` is
    ``sin(angle / 2)`` -- exactly the square root of the haversine term -- so the
    great-circle distance is ``2 R asin(c)``. With each point stored as half its unit
    vector, ``c`` is the Euclidean norm of a difference: a distance matrix costs three
    outer subtractions and one ``arcsin``, with no per-pair trigonometry. Differences of
    coordinates keep full precision for short distances (unlike ``1 - dot product``,
    which loses digits exactly where students live: nearby). Missing coordinates are
    NaN and give NaN distances.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    z: NDArray[np.float64]

    @classmethod
    def from_degrees(cls, lat: ArrayLike, lon: ArrayLike) -> GeoPoints:
        """Build from latitude/longitude arrays in degrees (NaN where unknown)."""
        import numpy as np

        phi = np.radians(np.asarray(lat, dtype=np.float64))
        lam = np.radians(np.asarray(lon, dtype=np.float64))
        half_cos_phi = 0.5 * np.cos(phi)
        return cls(x=half_cos_phi * np.cos(lam), y=half_cos_phi * np.sin(lam), z=0.5 * np.sin(phi))

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, idx: NDArray[np.intp] | slice) -> GeoPoints:
        """The subset of points at ``idx`` (positions or a slice)."""
        return GeoPoints(x=self.x[idx], y=self.y[idx], z=self.z[idx])


def distance_matrix_miles(
    a: GeoPoints,
    b: GeoPoints,
    out: NDArray[np.float64] | None = None,
    scratch: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """All-pairs great-circle miles, ``len(a) x len(b)``; NaN where a point is unknown.

    ``out`` and ``scratch`` (same shape) let a hot loop reuse its buffers.
    """
    import numpy as np

    shape = (len(a), len(b))
    res = np.empty(shape) if out is None else out
    tmp = np.empty(shape) if scratch is None else scratch
    np.subtract.outer(a.x, b.x, out=res)
    res *= res
    for ua, ub in ((a.y, b.y), (a.z, b.z)):
        np.subtract.outer(ua, ub, out=tmp)
        tmp *= tmp
        res += tmp
    np.sqrt(res, out=res)
    np.minimum(res, 1.0, out=res)  # rounding could step just past antipodal points
    np.arcsin(res, out=res)
    res *= 2.0 * EARTH_RADIUS_MILES
    return res
