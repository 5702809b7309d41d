"""Integrated autocorrelation time (Sokal's automatic window) and error bars.

For a series x_t, tau_int = 1/2 + sum_{t=1}^{W} rho(t), with the window W the smallest
t >= c tau_int(t) (c = 5, Sokal 1989 / Madras-Sokal).  The variance of the mean of n
correlated samples is 2 tau_int var(x) / n; correlated samples are never treated as
independent.  With several independent chains the chain means are combined and the error
is the combined per-chain error (the spread of chain means is reported as a cross-check).
"""
import numpy as np


def autocorr(x):
    """Normalised autocorrelation function rho(t), t = 0..n-1 (FFT)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    x = x - x.mean(axis=-1, keepdims=True)
    f = np.fft.rfft(x, n=2 * n)
    acf = np.fft.irfft(f * np.conj(f))[..., :n]
    v = acf[..., :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v > 0, acf / np.where(v > 0, v, 1.0), 0.0)


def tau_int(x, c=5.0):
    """Integrated autocorrelation time of a 1-D series (>= 0.5); constant series -> 0.5."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 4 or np.ptp(x) == 0:
        return 0.5
    rho = autocorr(x)
    taus = 2.0 * np.cumsum(rho) - 1.0      # 1 + 2 sum_{1..W} rho  = 2 tau_int(W)
    taus = 0.5 * taus
    w = np.arange(len(taus))
    ok = w >= c * taus
    W = int(np.argmax(ok)) if np.any(ok) else len(taus) - 1
    return float(max(taus[W], 0.5))


def estimate(series, width=1, sq=None):
    """Mean, error and tau_int from an array (chains, samples).

    Returns dict(mean, err, tau_int, n, chains, err_between) where ``err_between`` is the
    naive standard error of the chain means (NaN with one chain).

    Blocked input (``width`` > 1: each entry is the mean of ``width`` consecutive sweeps, as
    kept by :class:`~statmech_nn.mc.stream.BlockSeries`; ``sq``: the block means of x^2): the
    error is the batch-means error with Sokal's window on the block means, and tau_int (in
    sweeps) is var(mean) n / (2 var(x)), n = blocks * width. ``width=1`` is the plain estimate.
    """
    a = np.atleast_2d(np.asarray(series, dtype=np.float64))
    C, nb = a.shape
    if nb == 0:
        nan = float("nan")
        return dict(mean=nan, err=nan, tau_int=nan, n=0, chains=C, err_between=nan)
    taus = np.array([tau_int(r) for r in a])
    means = a.mean(axis=1)
    var = a.var(axis=1, ddof=1) if nb > 1 else np.zeros(C)
    var_mean = 2.0 * taus * var / nb
    n = nb * int(width)
    if width > 1:
        sq = np.atleast_2d(np.asarray(sq, dtype=np.float64))
        var_x = np.maximum(sq.mean(axis=1) - means ** 2, 0.0) * n / max(n - 1, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            taus = np.where(var_x > 0, var_mean * n / (2.0 * np.where(var_x > 0, var_x, 1.0)), 0.5)
        taus = np.maximum(taus, 0.5)
    err = float(np.sqrt(var_mean.sum()) / C)
    eb = float(means.std(ddof=1) / np.sqrt(C)) if C > 1 else float("nan")
    return dict(mean=float(means.mean()), err=err, tau_int=float(taus.mean()), n=int(n),
                chains=int(C), err_between=eb)


def equilibration(series, burn, width=1):
    """Crude equilibration check on the kept part of a series (chains, samples).

    Compares the first and last thirds of the kept samples: z = ``|mean_1 - mean_3|`` /
    sqrt(err_1^2 + err_3^2); ``equilibrated`` when z < 3 and the kept run spans at least
    20 tau_int. With blocks of ``width`` sweeps (see :func:`estimate`) the thirds are thirds
    of the blocks and tau_int is counted in blocks.
    """
    a = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = a.shape[1]
    if n < 30:
        return dict(burn=int(burn), z_drift=float("nan"), samples_per_tau=float("nan"),
                    equilibrated=False)
    k = n // 3
    e1 = estimate(a[:, :k])
    e3 = estimate(a[:, -k:])
    den = np.hypot(e1["err"], e3["err"])
    z = abs(e1["mean"] - e3["mean"]) / den if den > 0 else (0.0 if e1["mean"] == e3["mean"] else np.inf)
    spt = n / max(estimate(a)["tau_int"], 0.5)
    return dict(burn=int(burn), z_drift=float(z), samples_per_tau=float(spt),
                equilibrated=bool(z < 3.0 and spt >= 20.0))
