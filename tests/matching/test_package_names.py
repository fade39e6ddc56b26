"""``import matching`` hands out :mod:`matching.recommend`'s names lazily (no numpy until one
is used): the list it keeps must stay the module's public names."""

from __future__ import annotations

import matching
import matching.recommend


def test_the_lazy_names_are_the_recommend_modules_public_names() -> None:
    assert set(matching.recommend.__all__) == matching._FROM_RECOMMEND
    assert set(matching.recommend.__all__) <= set(matching.__all__)
    for name in matching.recommend.__all__:
        assert getattr(matching, name) is getattr(matching.recommend, name)
