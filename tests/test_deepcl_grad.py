"""Analytic backward passes against central finite differences, for every layer type.

Float64 networks; the field network's noise eps is held fixed so that the sampled loss is a
deterministic function of the fields. The binarised network is checked with its binary
weights treated as real variables (the gradient the straight-through estimator hands to the
hidden weights) and with hardtanh activations, whose exact derivative is the STE.
"""
import numpy as np
import pytest

from statmech_nn.deepcl.nets import Adam, AdamMeta, BinaryNet, FieldNet

H = 1e-6


def _fd(f, arr, idx):
    old = arr[idx]
    arr[idx] = old + H
    fp = f()
    arr[idx] = old - H
    fm = f()
    arr[idx] = old
    return (fp - fm) / (2 * H)


def _some_indices(shape, rng, k=12):
    return [tuple(int(rng.integers(s)) for s in shape) for _ in range(k)]


@pytest.mark.parametrize("sizes", [(7, 3), (7, 5, 3), (6, 5, 4, 3)])
@pytest.mark.parametrize("beta", [0.7, 3.0])
def test_fieldnet_gradient(sizes, beta):
    rng = np.random.default_rng(1)
    net = FieldNet(sizes, rng, beta=beta, init_std=0.6, dtype=np.float64)
    x = rng.uniform(0, 1, (9, sizes[0]))
    y = rng.integers(0, sizes[-1], 9)
    eps = [rng.standard_normal((9, o)) for o in sizes[1:]]
    loss, g = net.loss_and_grad(x, y, eps=eps)
    f = lambda: net.loss_and_grad(x, y, eps=eps)[0]  # noqa: E731
    for l, th in enumerate(net.theta):   # output layer (softmax) and hidden ReLU layers
        for idx in _some_indices(th.shape, rng):
            num = _fd(f, th, idx)
            assert abs(num - g[l][idx]) <= 1e-6 * max(1.0, abs(num)), (l, idx, num, g[l][idx])


def test_fieldnet_kl_value_and_gradient():
    rng = np.random.default_rng(2)
    net = FieldNet((5, 4, 3), rng, beta=2.0, dtype=np.float64)
    prior = [rng.normal(0, 1, th.shape) for th in net.theta]
    assert abs(net.kl([th.copy() for th in net.theta])) < 1e-12      # KL(q||q) = 0
    assert net.kl(prior) > 0
    g = net.kl_grad(prior)
    for l, th in enumerate(net.theta):
        for idx in _some_indices(th.shape, rng, 6):
            num = _fd(lambda: net.kl(prior), th, idx)
            assert abs(num - g[l][idx]) <= 1e-6 * max(1.0, abs(num))
    # closed form beta^2 (1 - m^2)(theta - theta')
    m = np.tanh(2.0 * net.theta[0])
    np.testing.assert_allclose(g[0], 4.0 * (1 - m * m) * (net.theta[0] - prior[0]), rtol=1e-10)


def test_fieldnet_fisher_and_ewc_penalty():
    rng = np.random.default_rng(3)
    sizes = (5, 4, 3)
    net = FieldNet(sizes, rng, beta=1.5, dtype=np.float64)
    x = rng.uniform(-1, 1, (6, 5))
    F = net.fisher(x)
    # brute force: F = mean_x sum_c p(c|x) g_c(x)^2 from single-example gradients (eps = 0)
    ref = [np.zeros_like(th) for th in net.theta]
    for i in range(len(x)):
        p = np.exp(net.logits(x[i:i + 1], mode="mean")[0])
        p /= p.sum()
        for c in range(sizes[-1]):
            _, g = net.loss_and_grad(x[i:i + 1], np.array([c]))
            for l in range(len(ref)):
                ref[l] += p[c] * g[l] ** 2 / len(x)
    for a, b in zip(F, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    theta_k = [th.copy() + 0.1 for th in net.theta]
    FT = [f * t for f, t in zip(F, theta_k)]
    val, g = net.ewc_penalty(F, FT, 7.0)
    for l, th in enumerate(net.theta):
        for idx in _some_indices(th.shape, rng, 5):
            num = _fd(lambda: net.ewc_penalty(F, FT, 7.0)[0], th, idx)
            assert abs(num - g[l][idx]) <= 1e-6 * max(1.0, abs(num))


@pytest.mark.parametrize("sizes", [(6, 4), (6, 5, 3), (6, 5, 4, 3)])
def test_binarynet_gradient_linear_bn_and_ste(sizes):
    rng = np.random.default_rng(4)
    net = BinaryNet(sizes, rng, dtype=np.float64, activation="hardtanh")
    for gmm in net.gamma:            # BN outputs inside the linear zone of hardtanh mostly
        gmm[:] = rng.uniform(0.3, 0.8, gmm.shape)
    for b in net.beta_bn:
        b[:] = rng.normal(0, 0.2, b.shape)
    x = rng.uniform(0, 1, (10, sizes[0]))
    y = rng.integers(0, sizes[-1], 10)
    W = [rng.normal(0, 1, w.shape) for w in net.W]     # real-valued stand-ins for sign(W_h)
    loss, gW, gbn = net.loss_and_grad(x, y, weights=W)
    f = lambda: net.loss_and_grad(x, y, weights=W)[0]  # noqa: E731
    for l, w in enumerate(W):
        for idx in _some_indices(w.shape, rng, 8):
            num = _fd(f, w, idx)
            assert abs(num - gW[l][idx]) <= 1e-6 * max(1.0, abs(num)), (l, idx)
    for p, gp in zip(net.bn_params, gbn):       # BN scale and shift
        for i in range(min(3, p.size)):
            num = _fd(f, p, (i,))
            assert abs(num - gp[i]) <= 1e-6 * max(1.0, abs(num))


def test_binarynet_sign_forward_uses_sign_weights():
    rng = np.random.default_rng(5)
    net = BinaryNet((4, 3, 2), rng, dtype=np.float64)
    x = rng.normal(size=(8, 4))
    out = net.logits(x)
    out2 = net._forward(x, weights=[np.where(w >= 0, 1.0, -1.0) for w in net.W])[0]
    np.testing.assert_array_equal(out, out2)
    # hidden activations are exactly ±1
    a = net._forward(x)[1][1][0]
    assert set(np.unique(a)) <= {-1.0, 1.0}


def test_adam_meta_factor_only_toward_sign_change():
    W = np.array([0.5, 0.5, -0.5, -0.5])
    g = np.array([1.0, -1.0, 1.0, -1.0])       # steps: -, +, -, +  (in units of lr)
    a, b = W.copy(), W.copy()
    Adam([a], lr=0.01).step([g])
    AdamMeta([b], lr=0.01, meta=1.35).step([g])
    da, db = a - W, b - W
    f = 1 - np.tanh(1.35 * 0.5) ** 2
    # index 0: +0.5 pushed down (toward 0) -> damped; 1: pushed up -> plain;
    # 2: -0.5 pushed further down -> plain; 3: -0.5 pushed up (toward 0) -> damped
    np.testing.assert_allclose(db, da * np.array([f, 1, 1, f]), rtol=1e-12)
    c = W.copy()
    AdamMeta([c], lr=0.01, meta=0.0).step([g])
    np.testing.assert_array_equal(c, a)
