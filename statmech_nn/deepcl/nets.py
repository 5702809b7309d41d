"""Networks and optimisers for continual learning with binary weights (NumPy only).

Two models on the same layer sizes ``sizes = (n_in, h_1, ..., h_k, n_classes)``, no biases:

:class:`FieldNet` (variational field-space network; methods ``vcl``, ``plain``, ``ewc``)
    One real field ``theta_ij`` per binary weight ``w_ij = ±1``. The factorised posterior
    is ``q(w_ij) ∝ exp(beta theta_ij w_ij)``: mean ``mu = tanh(beta theta)``, variance
    ``s2 = 1 - mu^2``. Local-reparameterisation (Gaussian field) forward pass, layer by
    layer with ``n`` inputs ``a``::

        m_i = sum_j mu_ij a_j / sqrt(n)         (mean of the preactivation)
        v_i = sqrt(sum_j s2_ij a_j^2 / n + tiny) (its standard deviation)
        z_i = m_i + v_i eps_i,  eps_i ~ N(0, 1) fresh per unit and per example

    ReLU on hidden layers, softmax + cross-entropy on the output. Backward pass is
    analytic (``dmu/dtheta = beta s2``, ``ds2/dtheta = -2 beta mu s2``).
    Regularisers on the fields (gradients are analytic as well):

    * KL to a previous posterior with fields ``theta'`` at the same ``beta``:
      ``KL = sum (h - h') tanh h - ln cosh h + ln cosh h'`` with ``h = beta theta``;
      ``dKL/dtheta = beta^2 s2 (theta - theta')``.
    * EWC: ``(lam/2) sum_k F_k (theta - theta_k)^2`` with ``F_k`` the diagonal Fisher of
      task k in field space.

    Evaluation modes: ``'binary'`` (deterministic network with ``w = sign(theta)``:
    the binary network that the method produces; the default everywhere), ``'mean'``
    (``eps = 0``: the mean-field network), ``'sample'`` (one ``eps`` draw).

:class:`BinaryNet` (metaplastic binarised network; method ``meta``)
    Hidden real weights ``W_h``, binary weights ``W_b = sign(W_h)`` (sign(0) = +1),
    batch normalisation (affine, batch statistics, also at evaluation: the evaluation
    set is one batch) after every binary linear layer, sign activations with the
    straight-through estimator ``d sign(y)/dy := 1{|y| <= 1}`` (the derivative of
    hardtanh), BN output as logits. Trained with :class:`AdamMeta`.

Optimisers: :class:`Adam`; :class:`AdamMeta`, Adam whose step on a hidden weight is
multiplied by ``f_meta = 1 - tanh^2(m |W_h|)`` when it would decrease ``|W_h|`` (push it
towards a sign change); ``m = 0`` is plain Adam (a standard binarised network).

All arrays are float32 by default (``dtype`` argument; gradient checks use float64).
Costs are dominated by BLAS matrix products, so there is no Numba here: it would not pay.
"""
import numpy as np

from ..core.errors import ParameterError, check_range
from ..core.quadrature import log_cosh as _log_cosh, sech2 as _sech2

TINY = 1e-12  # inside the sqrt of the preactivation variance


def softmax_xent(z, y):
    """Mean cross-entropy of logits z (B, C) for integer labels y, and dL/dz."""
    z = z - z.max(axis=1, keepdims=True)
    ez = np.exp(z)
    p = ez / ez.sum(axis=1, keepdims=True)
    B = z.shape[0]
    idx = np.arange(B)
    loss = float(-np.mean(np.log(np.maximum(p[idx, y], 1e-300))))
    d = p.copy()
    d[idx, y] -= 1.0
    return loss, d / B


def check_sizes(sizes):
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ParameterError(f"layer sizes {sizes} must be >= 2 positive integers "
                             "(n_in, hidden..., n_classes)")
    if sizes[-1] < 2:
        raise ParameterError(f"the output layer needs >= 2 classes, got {sizes[-1]}")
    return sizes


# ---------------------------------------------------------------------------------------------
# variational field-space network
# ---------------------------------------------------------------------------------------------
class FieldNet:
    """Binary-weight network trained in field space (see the module docstring)."""

    def __init__(self, sizes, rng, beta=1.0, init_std=1.0, dtype=np.float32):
        self.sizes = check_sizes(sizes)
        self.dtype = np.dtype(dtype)
        self.beta = check_range("beta", beta, lo=0.0, lo_open=True, allowed="(0, inf)")
        init_std = check_range("init_std", init_std, lo=0.0, lo_open=True)
        self.theta = [(init_std * rng.standard_normal((o, i))).astype(self.dtype)
                      for i, o in zip(self.sizes[:-1], self.sizes[1:])]

    @property
    def params(self):
        return self.theta

    def set_beta(self, beta):
        self.beta = check_range("beta", beta, lo=0.0, lo_open=True, allowed="(0, inf)")

    def _moments(self, th):
        h = self.beta * th
        return np.tanh(h), _sech2(h).astype(self.dtype)

    # -- training pass ------------------------------------------------------------------------
    def loss_and_grad(self, x, y, rng=None, eps=None):
        """Mean cross-entropy of one sampled forward pass and its gradient w.r.t. the fields.

        ``eps``: optional list of per-layer noise arrays (B, n_out) (tests use fixed noise);
        otherwise drawn from ``rng`` (``rng=None`` and ``eps=None``: eps = 0).
        """
        a = np.asarray(x, dtype=self.dtype)
        cache = []
        L = len(self.theta)
        for l, th in enumerate(self.theta):
            n = a.shape[1]
            mu, s2 = self._moments(th)
            m = a @ mu.T / np.sqrt(n)
            v = np.sqrt((a * a) @ s2.T / n + TINY)
            if eps is not None:
                e = np.asarray(eps[l], dtype=self.dtype)
            elif rng is not None:
                e = rng.standard_normal(m.shape, dtype=np.float32).astype(self.dtype, copy=False)
            else:
                e = np.zeros_like(m)
            z = m + v * e
            cache.append((a, mu, s2, v, e, z))
            a = np.maximum(z, 0) if l < L - 1 else z
        loss, delta = softmax_xent(a, y)
        grads = [None] * L
        for l in range(L - 1, -1, -1):
            a_prev, mu, s2, v, e, z = cache[l]
            n = a_prev.shape[1]
            r = delta * e / v
            g_mu = delta.T @ a_prev / np.sqrt(n)
            g_s2 = 0.5 * (r.T @ (a_prev * a_prev)) / n
            grads[l] = (self.beta * s2 * (g_mu - 2.0 * mu * g_s2)).astype(self.dtype, copy=False)
            if l > 0:
                da = delta @ mu / np.sqrt(n) + (r @ s2) * a_prev / n
                delta = da * (cache[l - 1][5] > 0)
        return loss, grads

    # -- evaluation ---------------------------------------------------------------------------
    def logits(self, x, mode="binary", rng=None):
        a = np.asarray(x, dtype=self.dtype)
        L = len(self.theta)
        for l, th in enumerate(self.theta):
            n = a.shape[1]
            if mode == "binary":
                z = a @ np.where(th >= 0, 1.0, -1.0).astype(self.dtype).T / np.sqrt(n)
            elif mode in ("mean", "sample"):
                mu, s2 = self._moments(th)
                z = a @ mu.T / np.sqrt(n)
                if mode == "sample":
                    v = np.sqrt((a * a) @ s2.T / n + TINY)
                    z = z + v * rng.standard_normal(z.shape).astype(self.dtype)
            else:
                raise ParameterError(f"eval mode {mode!r} is not one of binary, mean, sample")
            a = np.maximum(z, 0) if l < L - 1 else z
        return a

    def accuracy(self, x, y, mode="binary", rng=None, chunk=4096):
        hits = 0
        for s in range(0, len(y), chunk):
            pred = np.argmax(self.logits(x[s:s + chunk], mode, rng), 1)
            hits += int(np.sum(pred == y[s:s + chunk]))
        return hits / max(len(y), 1)

    # -- regularisers -------------------------------------------------------------------------
    def kl(self, prior):
        """KL(q_theta || q_prior) summed over weights, both at the current beta."""
        tot = 0.0
        for th, tp in zip(self.theta, prior):
            h, hp = self.beta * th.astype(np.float64), self.beta * tp.astype(np.float64)
            tot += float(np.sum((h - hp) * np.tanh(h) - _log_cosh(h) + _log_cosh(hp)))
        return tot

    def kl_grad(self, prior):
        """dKL/dtheta = beta^2 s2 (theta - theta') per layer."""
        return [(self.beta ** 2 * _sech2(self.beta * th) * (th - tp)).astype(self.dtype)
                for th, tp in zip(self.theta, prior)]

    def fisher(self, x, rng=None, n_samples=None, chunk=512):
        """Diagonal Fisher information of the predictive model in field space.

        ``F = mean_x sum_c p(c|x) (d ln p(c|x) / dtheta)^2``: the true Fisher (labels weighted
        by the model's own predictive distribution, summed exactly over classes, not the
        empirical Fisher), on the mean-field forward pass (eps = 0), where every per-example
        gradient is rank one, so the sums of squares are matrix products. ``n_samples``:
        use a random subset of ``x`` (drawn with ``rng``).
        """
        if n_samples is not None and n_samples < len(x):
            x = x[np.sort(rng.choice(len(x), n_samples, replace=False))]
        F = [np.zeros(th.shape, dtype=np.float64) for th in self.theta]
        L = len(self.theta)
        for s in range(0, len(x), chunk):
            a = np.asarray(x[s:s + chunk], dtype=np.float64)
            cache = []
            for l, th in enumerate(self.theta):
                mu, s2 = self._moments(th.astype(np.float64))
                z = a @ mu.T / np.sqrt(a.shape[1])
                cache.append((a, mu, s2, z))
                a = np.maximum(z, 0) if l < L - 1 else z
            zz = a - a.max(1, keepdims=True)
            p = np.exp(zz)
            p /= p.sum(1, keepdims=True)
            for c in range(p.shape[1]):
                delta = p.copy()
                delta[:, c] -= 1.0                     # d(-ln p_c)/dz per example
                w = p[:, c:c + 1]                      # weight p(c|x)
                for l in range(L - 1, -1, -1):
                    a_prev, mu, s2, z = cache[l]
                    n = a_prev.shape[1]
                    sq = (w * delta * delta).T @ (a_prev * a_prev)
                    F[l] += (self.beta * s2) ** 2 * sq / n
                    if l > 0:
                        delta = (delta @ mu / np.sqrt(n)) * (cache[l - 1][3] > 0)
        return [(f / len(x)).astype(self.dtype) for f in F]

    def ewc_penalty(self, F_sum, FT_sum, lam):
        """(lam/2) sum_k F_k (theta - theta_k)^2 up to a theta-independent constant, from the
        accumulated F_sum = sum_k F_k and FT_sum = sum_k F_k theta_k; and its gradient."""
        val = sum(float(np.sum(0.5 * lam * (F * th * th - 2 * FT * th)))
                  for F, FT, th in zip(F_sum, FT_sum, self.theta))
        return val, [lam * (F * th - FT) for F, FT, th in zip(F_sum, FT_sum, self.theta)]


# ---------------------------------------------------------------------------------------------
# metaplastic binarised network
# ---------------------------------------------------------------------------------------------
def _sign(w):
    return np.where(w >= 0, 1.0, -1.0).astype(w.dtype)


class BinaryNet:
    """Binarised network: sign weights from hidden weights, BN, sign activations (STE)."""

    BN_EPS = 1e-5

    def __init__(self, sizes, rng, init_width=0.1, dtype=np.float32, activation="sign"):
        self.sizes = check_sizes(sizes)
        self.dtype = np.dtype(dtype)
        w = check_range("init_width", init_width, lo=0.0, lo_open=True)
        if activation not in ("sign", "hardtanh"):
            raise ParameterError(f"activation {activation!r} is not one of sign, hardtanh")
        self.activation = activation  # 'hardtanh' only for gradient checks of the STE
        self.W = [rng.uniform(-w, w, (o, i)).astype(self.dtype)
                  for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.gamma = [np.ones(o, self.dtype) for o in self.sizes[1:]]
        self.beta_bn = [np.zeros(o, self.dtype) for o in self.sizes[1:]]

    @property
    def params(self):
        return self.W

    @property
    def bn_params(self):
        return self.gamma + self.beta_bn

    def _forward(self, x, weights=None):
        a = np.asarray(x, dtype=self.dtype)
        W = weights if weights is not None else [_sign(w) for w in self.W]
        L = len(W)
        cache = []
        for l in range(L):
            u = a @ W[l].T
            mu = u.mean(0)
            var = u.var(0)
            inv = 1.0 / np.sqrt(var + self.BN_EPS)
            uh = (u - mu) * inv
            y = self.gamma[l] * uh + self.beta_bn[l]
            cache.append((a, W[l], uh, inv, y))
            if l < L - 1:
                a = np.clip(y, -1, 1) if self.activation == "hardtanh" else _sign(y)
            else:
                a = y
        return a, cache

    def loss_and_grad(self, x, y, weights=None):
        """Loss and gradients: (loss, grads w.r.t. binary weights (applied to W_h: STE),
        grads w.r.t. [gamma..., beta_bn...])."""
        out, cache = self._forward(x, weights)
        loss, d = softmax_xent(out, y)
        L = len(cache)
        gW, gg, gb = [None] * L, [None] * L, [None] * L
        for l in range(L - 1, -1, -1):
            a, Wb, uh, inv, yy = cache[l]
            if l < L - 1:
                d = d * (np.abs(yy) <= 1)          # STE = derivative of hardtanh
            gg[l] = np.sum(d * uh, 0)
            gb[l] = np.sum(d, 0)
            duh = d * self.gamma[l]
            B = d.shape[0]
            du = inv / B * (B * duh - duh.sum(0) - uh * np.sum(duh * uh, 0))
            gW[l] = du.T @ a
            if l > 0:
                d = du @ Wb
        return loss, gW, gg + gb

    def logits(self, x):
        return self._forward(x)[0]

    def accuracy(self, x, y, **_):
        """Accuracy with batch statistics of the whole evaluation set (one batch)."""
        return float(np.mean(np.argmax(self.logits(x), 1) == y)) if len(y) else 0.0


# ---------------------------------------------------------------------------------------------
# optimisers
# ---------------------------------------------------------------------------------------------
class Adam:
    """Adam on a list of arrays (updated in place)."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.lr = check_range("learning rate", lr, lo=0.0, lo_open=True, allowed="(0, inf)")
        self.params = params
        self.b1, self.b2, self.eps = b1, b2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def _moments(self, i, g):
        self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
        self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * g * g
        mh = self.m[i] / (1 - self.b1 ** self.t)
        vh = self.v[i] / (1 - self.b2 ** self.t)
        return mh, self.lr * mh / (np.sqrt(vh) + self.eps)

    def step(self, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            p -= self._moments(i, g)[1].astype(p.dtype, copy=False)


class AdamMeta(Adam):
    """Adam with the metaplastic factor on updates that would decrease ``|W_h|``."""

    def __init__(self, params, lr=5e-3, meta=0.0, **kw):
        super().__init__(params, lr=lr, **kw)
        self.meta = check_range("meta", meta, lo=0.0, allowed="[0, inf)")

    def step(self, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            mh, stepv = self._moments(i, g)
            if self.meta > 0:
                toward_zero = np.sign(p) * mh > 0     # the step -stepv shrinks |W_h|
                f = 1.0 - np.tanh(self.meta * np.abs(p)) ** 2
                stepv = np.where(toward_zero, f * stepv, stepv)
            p -= stepv.astype(p.dtype, copy=False)
