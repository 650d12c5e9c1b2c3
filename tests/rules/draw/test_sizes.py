"""Sample sizes in exact decimal arithmetic (protocol §4)."""

import pytest

from shuangsuiji.rules.draw.sizes import InvalidRule, StratumRule, sample_size


@pytest.mark.parametrize(("n", "ratio", "k"), [
    (37, "15", 6),        # the seed's task: ceil(5.55)
    (100, "7", 7),        # 100 × 7% is 7, not 8 as binary floating point would give
    (100, "7.00", 7),
    (1000, "0.7", 7),
    (40, "2.5", 1),
    (41, "2.5", 2),
    (10, "0.1", 1),       # at least 1 when n > 0 and p > 0
    (10, "100", 10),
    (0, "15", 0),         # an empty stratum
    (50, "0", 0),
    (3, "33.34", 2),
])
def test_ratio(n, ratio, k):
    assert sample_size(n, StratumRule(ratio=ratio)) == k


@pytest.mark.parametrize(("n", "count", "k"), [(10, 3, 3), (2, 3, 2), (0, 3, 0), (5, 0, 0)])
def test_count(n, count, k):
    assert sample_size(n, StratumRule(count=count)) == k


@pytest.mark.parametrize("kwargs", [{}, {"ratio": "15", "count": 2}, {"ratio": "101"},
                                    {"ratio": "-1"}, {"ratio": "abc"}, {"ratio": "NaN"},
                                    {"count": -1}])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(InvalidRule):
        StratumRule(**kwargs)
