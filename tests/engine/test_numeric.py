import numpy as np

from appraisal.engine.numeric import quota_size, round_half_up


def test_round_half_up_is_not_bankers_rounding():
    # 四舍五入: .5 always goes up, unlike Python's round (round(2.5) == 2)
    assert round_half_up(0.5) == 1
    assert round_half_up(1.5) == 2
    assert round_half_up(2.5) == 3
    assert round_half_up(1.005, 2) == 1.01  # stored as 1.00499999…
    assert round_half_up(-2.5) == -3


def test_ten_percent_quota_of_6_14_15_units():
    # 6 × 10 % = 0.6 → 1;  14 × 10 % = 1.4 → 1;  15 × 10 % = 1.5 → 2
    assert list(quota_size(np.array([6, 14, 15]), 0.10)) == [1, 1, 2]


def test_quota_rounding_settings():
    assert list(quota_size(np.array([15, 19]), 0.10, "floor")) == [1, 1]
    assert list(quota_size(np.array([11, 10]), 0.10, "ceil")) == [2, 1]
    # 8 ‰: 62 → 0.496 → 0;  63 → 0.504 → 1;  125 → 1.0 → 1
    assert list(quota_size(np.array([62, 63, 125]), 0.008)) == [0, 1, 1]
