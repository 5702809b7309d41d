"""Streamed measurements: flat memory however long a Monte Carlo run is.

A :class:`BlockSeries` receives the per-sweep measurements of one observable in chunks
(arrays with the sample axis at position 1, e.g. ``(groups, sweeps, replicas, temps)``) and
keeps at most ``capacity`` *blocks* along that axis. While the run fits, a block is one
sample and the stored series is exact. When the capacity is reached, neighbouring blocks are
merged pairwise and the block width doubles (1, 2, 4, ... sweeps), so memory stays fixed and
the merge cost per sample stays O(1).

Per block it keeps the mean of x, the mean of x^2 (running sums) and the first sample (a
uniformly thinned series, stride = width, for histograms). The error of the mean is then the
batch-means estimate with Sokal's window on the block means (``autocorr.estimate`` with
``width``), and tau_int in sweeps follows from var(mean) = 2 tau_int var(x) / n. At width 1
this is exactly the estimate on the raw series.

Burn-in is applied at block granularity: the first ``burn`` sweeps, rounded up to whole blocks.
"""
import numpy as np


class BlockSeries:
    """Bounded-memory record of one observable (see the module docstring).

    ``capacity`` (even, >= 2): blocks kept. ``push(chunk)`` appends samples (axis 1).
    ``view(burn)`` returns (mean blocks, mean-of-square blocks, first samples, width, burn used).
    """

    def __init__(self, capacity):
        capacity = int(capacity)
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even integer >= 2")
        self.capacity = capacity
        self.width = 1          # sweeps per stored block
        self.n = 0              # samples received
        self.nb = 0             # complete blocks stored
        self._mean = self._sq = self._first = None
        self._psum = self._psq = self._pfirst = None
        self._pcount = 0        # samples in the partial (incomplete) block
        self.latest = None

    # ---- storage ------------------------------------------------------------------------
    def _alloc(self, chunk):
        shape = (chunk.shape[0], self.capacity) + chunk.shape[2:]
        self._mean = np.empty(shape)
        self._sq = np.empty(shape)
        self._first = np.empty(shape, dtype=chunk.dtype)
        tail = (chunk.shape[0],) + chunk.shape[2:]
        self._psum, self._psq = np.zeros(tail), np.zeros(tail)
        self._pfirst = np.zeros(tail, dtype=chunk.dtype)

    @staticmethod
    def nbytes_per_sample(shape, itemsize=8):
        """Bytes per stored block for a chunk of shape ``(G, n, *rest)`` (three arrays)."""
        return 3 * itemsize * int(np.prod((shape[0],) + tuple(shape[2:])))

    def _merge(self):
        """Halve the stored blocks: pairs become one block of twice the width."""
        h = self.nb // 2
        m, s, f = self._mean, self._sq, self._first
        m[:, :h] = 0.5 * (m[:, 0:2 * h:2] + m[:, 1:2 * h:2])
        s[:, :h] = 0.5 * (s[:, 0:2 * h:2] + s[:, 1:2 * h:2])
        f[:, :h] = f[:, 0:2 * h:2]
        self.nb = h
        self.width *= 2

    def _append(self, x):
        """Append ``k`` complete blocks of the current width from ``x`` (G, k*w, ...)."""
        w = self.width
        k = x.shape[1] // w
        blocks = x.reshape((x.shape[0], k, w) + x.shape[2:])
        sl = slice(self.nb, self.nb + k)
        self._mean[:, sl] = blocks.mean(axis=2)
        self._sq[:, sl] = (blocks.astype(float) ** 2).mean(axis=2)
        self._first[:, sl] = blocks[:, :, 0]
        self.nb += k

    def push(self, chunk):
        """Add the samples of ``chunk`` (sample axis 1)."""
        x = np.asarray(chunk)
        if x.shape[1] == 0:
            return
        if self._mean is None:
            self._alloc(x)
        self.n += x.shape[1]
        self.latest = x[:, -1].copy()      # the most recent sample, (G, ...)
        while x.shape[1]:
            w = self.width
            if self._pcount:                               # complete the partial block first
                k = min(w - self._pcount, x.shape[1])
                part, x = x[:, :k], x[:, k:]
                self._psum += part.sum(axis=1)
                self._psq += (part.astype(float) ** 2).sum(axis=1)
                self._pcount += k
                if self._pcount == w:
                    self._mean[:, self.nb] = self._psum / w
                    self._sq[:, self.nb] = self._psq / w
                    self._first[:, self.nb] = self._pfirst
                    self.nb += 1
                    self._pcount = 0
            else:
                k = min(x.shape[1] // w, self.capacity - self.nb)
                if k:
                    self._append(x[:, :k * w])
                    x = x[:, k * w:]
                elif x.shape[1] < w:                        # start a partial block
                    self._pfirst[...] = x[:, 0]
                    self._psum[...] = x.sum(axis=1)
                    self._psq[...] = (x.astype(float) ** 2).sum(axis=1)
                    self._pcount = x.shape[1]
                    x = x[:, :0]
            if self.nb == self.capacity:
                self._merge()

    # ---- reading ------------------------------------------------------------------------
    def burn_blocks(self, burn):
        """Blocks covering the first ``burn`` sweeps (rounded up), and the sweeps they span."""
        nb = -(-int(burn) // self.width)
        return nb, nb * self.width

    def view(self, burn=0):
        """(means, squares, first samples, width, burn used) of the complete blocks after the
        burn-in, each of shape (G, blocks, ...)."""
        if self._mean is None:
            raise ValueError("no samples recorded")
        b, used = self.burn_blocks(burn)
        sl = slice(min(b, self.nb), self.nb)
        return self._mean[:, sl], self._sq[:, sl], self._first[:, sl], self.width, used

    @property
    def nbytes(self):
        return sum(a.nbytes for a in (self._mean, self._sq, self._first) if a is not None)
