"""Distances: the vectorised haversine agrees with geopy's great circle."""

from __future__ import annotations

import math

import numpy as np
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.geo import GeoPoints, distance_matrix_miles, haversine_miles, miles_between

FAST = settings(max_examples=60, deadline=None, database=None)
lats = st.floats(-89.0, 89.0)
lons = st.floats(-180.0, 180.0)


@FAST
@given(lats, lons, lats, lons)
def test_scalar_matches_geopy(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    expected = great_circle((lat1, lon1), (lat2, lon2)).miles
    assert math.isclose(miles_between(lat1, lon1, lat2, lon2), expected, abs_tol=1e-6)


@FAST
@given(st.lists(st.tuples(lats, lons), min_size=1, max_size=6), st.tuples(lats, lons))
def test_vectorised_matches_scalar(
    points: list[tuple[float, float]], home: tuple[float, float]
) -> None:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    got = haversine_miles(home[0], home[1], lat, lon)
    want = [miles_between(home[0], home[1], a, b) for a, b in points]
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_matrix_matches_broadcast_and_keeps_short_distances_precise() -> None:
    rng = np.random.default_rng(0)
    lat_a, lon_a = rng.uniform(38.2, 38.8, 7), rng.uniform(-123.1, -122.4, 7)
    lat_b, lon_b = rng.uniform(38.2, 38.8, 5), rng.uniform(-123.1, -122.4, 5)
    # a point a few feet away: the form that subtracts nearly equal numbers would fail here
    lat_b[0], lon_b[0] = lat_a[0] + 1e-5, lon_a[0]
    matrix = distance_matrix_miles(
        GeoPoints.from_degrees(lat_a, lon_a), GeoPoints.from_degrees(lat_b, lon_b)
    )
    broadcast = haversine_miles(lat_a[:, None], lon_a[:, None], lat_b[None, :], lon_b[None, :])
    np.testing.assert_allclose(matrix, broadcast, rtol=1e-9, atol=1e-9)
    assert math.isclose(
        matrix[0, 0], great_circle((lat_a[0], lon_a[0]), (lat_b[0], lon_b[0])).miles, rel_tol=1e-7
    )


def test_unknown_coordinates_give_nan() -> None:
    matrix = distance_matrix_miles(
        GeoPoints.from_degrees([38.5, math.nan], [-122.7, -122.7]),
        GeoPoints.from_degrees([38.4], [-122.8]),
    )
    assert not math.isnan(matrix[0, 0])
    assert math.isnan(matrix[1, 0])


def test_known_distance_santa_rosa_to_petaluma() -> None:
    # Santa Rosa to Petaluma: about 15 miles as the crow flies
    assert 14.5 < miles_between(38.4405, -122.7144, 38.2324, -122.6367) < 15.5
