"""Estimators of the attribution engine."""

from __future__ import annotations

import math

import pytest

from attrib.attribution import stats


def test_clopper_pearson_known_values():
    lo, hi = stats.clopper_pearson(5, 10)
    assert lo == pytest.approx(0.187086, abs=1e-5)
    assert hi == pytest.approx(0.812914, abs=1e-5)
    assert stats.clopper_pearson(0, 10)[0] == 0.0
    assert stats.clopper_pearson(10, 10)[1] == 1.0
    assert stats.clopper_pearson(0, 0) == (0.0, 1.0)


def test_outside_share_mle():
    assert stats.outside_share_mle(100, 70, 1e5, 1e9) == pytest.approx(0.3, rel=1e-3)
    assert stats.outside_share_mle(100, 100, 1e5, 1e9) == pytest.approx(1e-9)
    assert stats.outside_share_mle(0, 0, 1e5, 1e9) == 1.0


def test_size_principle():
    small, _ = stats.membership_loglik(100, 100, 1e3, 1e9)
    big, _ = stats.membership_loglik(100, 100, 1e6, 1e9)
    assert small - big == pytest.approx(100 * math.log(1e3), rel=1e-6)


def test_padding_costs_likelihood():
    full, _ = stats.membership_loglik(100, 100, 1e5, 1e9)
    padded, eps = stats.membership_loglik(100, 70, 1e5, 1e9)
    assert padded < full
    assert eps == pytest.approx(0.3, rel=1e-3)


def test_bounded_binom_max():
    assert stats.bounded_binom_max(90, 100, 0.0, 0.75) == pytest.approx(
        stats.binom_loglik(90, 100, 0.75))
    assert stats.bounded_binom_max(90, 100, 0.85, 1.0) == pytest.approx(
        stats.binom_loglik(90, 100, 0.9))


def test_binom_sf():
    assert stats.binom_sf(0, 10, 0.5) == 1.0
    assert stats.binom_sf(10, 10, 0.5) == pytest.approx(0.5**10)


def test_jeffreys_interval():
    lo, hi = stats.jeffreys(5, 10)
    assert lo == pytest.approx(0.2235, abs=1e-3) and hi == pytest.approx(0.7765, abs=1e-3)
    assert stats.jeffreys(0, 10)[0] == 0.0 and stats.jeffreys(10, 10)[1] == 1.0


def test_log_binom_uniform_matches_quadrature():
    from scipy import integrate

    for k, n, lo, hi in [(5, 10, 0.5, 1.0), (100, 100, 0.5, 1.0), (70, 100, 0.9, 1.0)]:
        num = integrate.quad(lambda p, k=k, n=n: p**k * (1 - p) ** (n - k), lo, hi,
                             epsabs=0, limit=200)[0] / (hi - lo)
        assert stats.log_binom_uniform(k, n, lo, hi) == pytest.approx(math.log(num), rel=1e-9)


def test_log_beta_binom_uniform_prior():
    # Beta(1, 1) is uniform: P(k | n) = 1 / (n + 1) / C(n, k).
    assert math.exp(stats.log_beta_binom(3, 3, 1, 1)) == pytest.approx(1 / 4)
