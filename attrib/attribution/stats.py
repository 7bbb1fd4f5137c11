"""Small, exact statistical building blocks of the attribution engine."""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats


def clopper_pearson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact two-sided binomial confidence interval for k successes in n trials."""
    if n <= 0:
        return 0.0, 1.0
    alpha = 1.0 - conf
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def jeffreys(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Jeffreys interval: Beta(k+1/2, n-k+1/2) quantiles, with the usual end corrections.

    Its coverage is close to nominal on average, where Clopper-Pearson's is well above
    it (Brown, Cai & DasGupta, Statistical Science 2001).
    """
    if n <= 0:
        return 0.0, 1.0
    alpha = 1.0 - conf
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k + 0.5, n - k + 0.5))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 0.5, n - k + 0.5))
    return lo, hi


INTERVALS = {"jeffreys": jeffreys, "clopper-pearson": clopper_pearson}


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    return float(stats.binom.sf(k - 1, n, min(max(p, 0.0), 1.0)))


def outside_share_mle(n: int, m: int, size: float, population: float) -> float:
    """MLE of the outside-records share eps in the design's likelihood.

    A leak record in S has probability (1-eps)/|S| + eps/|U|, one outside S eps/|U|;
    maximising over eps gives eps = (1 - m/n) * a / (a - u) with a = 1/|S|, u = 1/|U|.
    """
    if n <= 0:
        return 1.0
    a, u = 1.0 / size, 1.0 / population
    if a <= u:
        return 1.0
    return float(min(1.0, max(1e-9, (1.0 - m / n) * a / (a - u))))


def membership_loglik(n: int, m: int, size: float, population: float) -> tuple[float, float]:
    """Log-likelihood of m of n records being in a list of ``size`` (at the MLE eps).

    Returns:
        (log-likelihood, eps).
    """
    if n <= 0:
        return 0.0, 1.0
    eps = outside_share_mle(n, m, size, population)
    a, u = 1.0 / size, 1.0 / population
    inside = math.log((1.0 - eps) * a + eps * u) if m else 0.0
    outside = math.log(eps * u) if m < n else 0.0
    return m * inside + (n - m) * outside, eps


def binom_loglik(k: int, n: int, p: float) -> float:
    """log P(k | n, p) without the binomial coefficient (it cancels in ratios)."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return k * math.log(p) + (n - k) * math.log(1 - p)


def bounded_binom_max(k: int, n: int, lo: float, hi: float) -> float:
    """max over p in [lo, hi] of binom_loglik(k, n, p)."""
    if n <= 0:
        return 0.0
    return binom_loglik(k, n, min(max(k / n, lo), hi))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically safe softmax."""
    if logits.size == 0:
        return logits
    z = logits - np.max(logits)
    e = np.exp(z)
    return np.asarray(e / e.sum())



def log_beta_binom(k: int, n: int, a: float, b: float) -> float:
    """log P(k | n) for k ~ Binomial(n, p), p ~ Beta(a, b), without the binomial coefficient."""
    return float(special.betaln(k + a, n - k + b) - special.betaln(a, b))


def log_binom_uniform(k: int, n: int, lo: float, hi: float) -> float:
    """log P(k | n) for p ~ Uniform(lo, hi), without the binomial coefficient."""
    # The integral of p^k (1-p)^(n-k) over [lo, hi] is B(k+1, n-k+1) (F(hi) - F(lo)),
    # F the Beta(k+1, n-k+1) cdf; computed in log space from whichever tail is smaller.
    a, b = k + 1, n - k + 1
    if stats.beta.cdf(lo, a, b) < 0.5:
        log_mass = _log_sub(float(stats.beta.logcdf(hi, a, b)), float(stats.beta.logcdf(lo, a, b)))
    else:
        log_mass = _log_sub(float(stats.beta.logsf(lo, a, b)), float(stats.beta.logsf(hi, a, b)))
    return float(special.betaln(a, b) + log_mass - math.log(hi - lo))


def _log_sub(x: float, y: float) -> float:
    """log(exp(x) - exp(y)) for x >= y."""
    if y == -math.inf:
        return x
    if x <= y:
        return -math.inf if x < y else x - 745.0
    return x + math.log1p(-math.exp(y - x))


def beta_pdf(x: float, a: float, b: float) -> float:
    """Density of Beta(a, b) at x."""
    return float(stats.beta.pdf(x, a, b))


def norm_pdf(x: float, mean: float, sd: float) -> float:
    """Density of Normal(mean, sd) at x."""
    return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def beta_logpdf(x: float, a: float, b: float) -> float:
    """Log density of Beta(a, b) at x (-inf outside the support's interior where 0)."""
    with np.errstate(divide="ignore"):
        return float(stats.beta.logpdf(x, a, b))


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X ~ chi-square with ``df`` degrees of freedom."""
    return float(stats.chi2.sf(max(x, 0.0), df))
