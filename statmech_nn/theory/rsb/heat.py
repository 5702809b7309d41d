r"""Gaussian averages on a uniform field grid (the heat kernel of the Parisi recursion).

Every level of the k-RSB recursion is a Gaussian convolution of a smooth, bounded function
sampled on a uniform grid, evaluated at shifted points:

    out(u_i) = E_z s(u_i + shift + sqrt(var) z) = sum_j du N(v_j - u_i - shift; var) s(v_j),

i.e. the trapezoid rule of the integral, done for all u_i at once as one linear convolution by
FFT.  For a function analytic in a strip of half-width d around the real axis the trapezoid
error is ~ exp(-2 pi d / du); for the sampled Gaussian itself it is
~ exp(-2 pi^2 var / du^2) (below 1e-14 once sqrt(var) >= 1.3 du).  The grid is chosen so that
both hold (:class:`Grid`); the sum of the sampled kernel minus 1 is returned as a measured
error estimate of each convolution.

The input lives on an *extended* grid (``M`` points of padding on each side, filled by the
caller, e.g. from an exact asymptote), the output on the main grid of ``N`` points; with
``M >= K`` (the kernel half-width in samples) the linear convolution needs no wrap-around and
an FFT of length >= N + 2M is exact.  Everything is batched: arrays are (batch, points), and
``du``, ``var``, ``shift`` are per-batch-element arrays.
"""
import math

import numpy as np
from scipy import fft as sfft

#: kernel support in units of its standard deviation (Gaussian mass beyond: < 1e-19)
KERNEL_SIGMAS = 9.2
#: smallest sqrt(var)/du for which the sampled Gaussian is exact to ~1e-14
SIGMA_PER_DU = 1.3


def kernel_halfwidth(du, var, shift):
    """Samples K (per batch element) such that the kernel mass beyond ``|n| > K`` is negligible."""
    sig = np.sqrt(np.maximum(var, 0.0))
    return np.ceil((np.abs(shift) + KERNEL_SIGMAS * sig) / du).astype(int) + 1


class Grid:
    """A batch of uniform grids u_i = centre + (i - n_lo) du, i = 0..N-1 (same N for the batch).

    ``centre`` (B,) is a grid point of every grid (the outer field H is put there, so a
    zero-variance outer average is an exact lookup); ``n_lo`` points lie below it.  ``M`` extra
    points on each side form the extended grid of the convolution inputs.
    """

    def __init__(self, centre, du, n_lo, n_hi, M):
        self.centre = np.asarray(centre, float)
        self.du = np.asarray(du, float)
        self.n_lo, self.n_hi, self.M = int(n_lo), int(n_hi), int(M)
        self.N = self.n_lo + self.n_hi + 1
        idx = np.arange(self.N) - self.n_lo
        self.u = self.centre[:, None] + idx[None, :] * self.du[:, None]
        idx_e = np.arange(self.N + 2 * self.M) - self.n_lo - self.M
        self.u_ext = self.centre[:, None] + idx_e[None, :] * self.du[:, None]
        self.fft_len = sfft.next_fast_len(self.N + 2 * self.M, real=True)

    @property
    def i_centre(self):
        return self.n_lo

    def main(self, a_ext):
        """The main-grid part of an extended-grid array."""
        return a_ext[:, self.M:self.M + self.N]

    def kernel_spectrum(self, var, shift):
        """Spectrum of the sampled kernel k[n] = du N(n du + shift; var) on the FFT grid, in closed
        form: exp(-var w^2/2 + i w shift), w = 2 pi n / (L du) (the DFT of the samples up to the
        aliasing terms exp(-2 pi^2 var/du^2), returned as the error estimate; the kernel mass beyond
        the padding is below 1e-19 by construction).  var = 0 gives the identity (shift 0)."""
        var = np.asarray(var, float)
        shift = np.asarray(shift, float)
        K = kernel_halfwidth(self.du, var, shift)
        if int(K.max()) > self.M:
            raise ValueError(f"kernel half-width {int(K.max())} exceeds the grid padding {self.M}")
        w = 2.0 * math.pi * np.arange(self.fft_len // 2 + 1)[None, :] / (self.fft_len * self.du[:, None])
        spec = np.exp(-0.5 * var[:, None] * w * w + 1j * w * shift[:, None])
        with np.errstate(divide="ignore", over="ignore"):
            err = np.where(var > 0, 2.0 * np.exp(-2.0 * math.pi ** 2 * var / self.du ** 2), 0.0)
        return spec, err


def convolve(spec_in, kspec, grid):
    """Main-grid output of the convolution of an input (given by its rfft ``spec_in`` over the
    extended grid) with a kernel spectrum from :meth:`Grid.kernel_spectrum`."""
    c = sfft.irfft(spec_in * kspec, n=grid.fft_len, axis=-1)
    return c[:, grid.M:grid.M + grid.N]


def spectrum(a_ext, grid):
    """rfft of an extended-grid array (zero-padded to the FFT length)."""
    return sfft.rfft(a_ext, n=grid.fft_len, axis=-1)


def pad_main(a_main, grid):
    """Main-grid array placed in an extended-grid array (zeros in the padding)."""
    out = np.zeros(a_main.shape[:-1] + (grid.N + 2 * grid.M,))
    out[..., grid.M:grid.M + grid.N] = a_main
    return out
