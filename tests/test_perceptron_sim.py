"""Perceptron simulations: Numba MC vs exact enumeration and vs RS theory; field-space
trainer gradients vs finite differences; EWC / metaplastic options; sign ties."""
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.perceptron import mc, trainer
from statmech_nn.perceptron.common import sign
from statmech_nn.perceptron.teacher import PerceptronTeacher


def test_sign_tie_break_is_plus_one():
    assert sign(0.0) == 1 and list(sign(np.array([-0.0, 0.0, -1e-300, 2.0]))) == [1, 1, -1, 1]


@pytest.mark.parametrize("energy,teacher,kappa", [("errors", True, 0.0), ("stability", True, 0.0),
                                                  ("stability", False, 0.3)])
def test_mc_matches_exact_enumeration(energy, teacher, kappa):
    ws, X, y = mc.make_data(10, 1.2, seed=3, teacher=teacher)   # teacher=False: storage (random labels)
    ex = mc.exact_averages(X, y, 0.7, ws, energy=energy, kappa=kappa)
    r = mc.run_mc(X, y, 0.7, 40000, 500, seed=4, teacher=ws, energy=energy, kappa=kappa)
    for key in ("energy", "R"):
        s = r[key].reshape(40, -1).mean(1)  # batch means
        err = s.std(ddof=1) / math.sqrt(s.size)
        assert abs(s.mean() - ex[key]) < 5 * err + 1e-3, (key, s.mean(), ex[key], err)


@pytest.mark.parametrize("T", [0.0, 0.4])
def test_exact_enumeration_chunks_match_brute_force(T):
    """Chunked enumeration (any chunk size) == direct Gibbs sums over all 2^N weights."""
    ws, X, y = mc.make_data(11, 1.3, seed=5)
    bits = ((np.arange(1 << 11)[:, None] >> np.arange(11)) & 1) * 2.0 - 1.0
    E = np.sum(sign(bits @ X.T) != y, axis=1).astype(float)
    lw = np.where(E == E.min(), 0.0, -np.inf) if T == 0 else -E / T
    p = np.exp(lw - lw.max())
    ref = dict(energy=p @ E / p.sum() / 11, log_Z=np.log(p.sum()) + lw.max(), R=p @ (bits @ ws) / p.sum() / 11)
    for cb in (1, 4, 11, 16):
        ex = mc.exact_averages(X, y, T, ws, chunk_bits=cb)
        for k in ref:
            assert abs(ex[k] - ref[k]) < 1e-12, (cb, k, ex[k], ref[k])


def test_mc_teacher_matches_rs_theory_at_finite_T():
    th = PerceptronTeacher().solve(alpha=1.0, T=1.0)
    Rs, Es = [], []
    for s in range(8):
        ws, X, y = mc.make_data(101, 1.0, seed=(7, s))
        r = mc.run_mc(X, y, 1.0, 2000, 500, seed=(8, s), teacher=ws, measure_every=10)
        Rs.append(r["R"].mean())
        Es.append(r["energy"].mean())
    # finite-size + sample-to-sample: tolerance 4 sigma + 1/N
    assert abs(np.mean(Rs) - th.order_parameters["R"]) < 4 * np.std(Rs) / math.sqrt(8) + 0.01
    assert abs(np.mean(Es) - th.energy) < 4 * np.std(Es) / math.sqrt(8) + 0.01


def test_data_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    N, P = 41, 7
    theta = rng.normal(size=N)
    w = rng.choice([-1, 1], N).astype(np.int8)
    X, y = trainer.rademacher_task(w, P, rng)
    for beta in (1.0, 2.5):
        _, g = trainer.data_loss_grad(theta, X, y, beta)
        h = 1e-6
        for i in range(0, N, 5):
            e = np.zeros(N)
            e[i] = h
            fd = (trainer.data_loss_grad(theta + e, X, y, beta)[0]
                  - trainer.data_loss_grad(theta - e, X, y, beta)[0]) / (2 * h)
            assert abs(fd - g[i]) < 1e-6 * max(1, abs(fd))


def test_kl_gradient_and_ewc_is_its_second_order():
    rng = np.random.default_rng(1)
    th, thp = rng.normal(size=20), rng.normal(size=20)
    beta, h = 1.7, 1e-6
    kl, g = trainer.kl_loss_grad(th, thp, beta)
    assert trainer.kl_loss_grad(thp, thp, beta)[0] == pytest.approx(0, abs=1e-12)
    for i in range(20):
        e = np.zeros(20)
        e[i] = h
        fd = (trainer.kl_loss_grad(th + e, thp, beta)[0] - trainer.kl_loss_grad(th - e, thp, beta)[0]) / (2 * h)
        assert abs(fd - g[i]) < 1e-6
    fisher = beta ** 2 * (1 - np.tanh(beta * thp) ** 2)
    d = 1e-3 * rng.normal(size=20)
    kl2 = trainer.kl_loss_grad(thp + d, thp, beta)[0]
    ewc = trainer.ewc_loss_grad(thp + d, thp, fisher)[0]
    assert abs(kl2 - ewc) < 1e-3 * ewc  # third-order remainder


def test_trainer_learns_reproducibly_and_options_compare():
    kw = dict(N=301, alphas=[1.5, 1.5], r0=0.0, gamma=1.0, epochs=6, lr=0.05, batch=64, seed=5)
    a = trainer.train_continual(**kw)
    b = trainer.train_continual(**kw)
    assert np.array_equal(a["eps"], b["eps"])
    assert a["eps"][6, 0] < 0.35 and a["eps"][-1, 1] < 0.4      # both tasks learned
    none = trainer.train_continual(**{**kw, "penalty": "none"})
    ewc = trainer.train_continual(**{**kw, "penalty": "ewc"})
    meta = trainer.train_continual(**{**kw, "penalty": "none", "metaplastic": 1.5})
    # forgetting of task 1 is reduced by every consolidation mechanism
    assert a["eps"][-1, 0] < none["eps"][-1, 0]
    assert ewc["eps"][-1, 0] < none["eps"][-1, 0]
    assert meta["eps"][-1, 0] < none["eps"][-1, 0]


def test_trainer_bad_input():
    with pytest.raises(ParameterError, match="N=.*even"):
        trainer.train_continual(N=100, alphas=[1.0], ties="error")
    with pytest.raises(ParameterError, match="r0"):
        trainer.train_continual(N=101, alphas=[1.0, 1.0], r0=-1.5)
    with pytest.raises(ParameterError, match="gamma"):
        trainer.train_continual(N=101, alphas=[1.0], gamma=-1)


def test_trainer_task1_cache_is_exact():
    kw = dict(N=201, alphas=[1.0, 1.0], gamma=1.0, epochs=3, lr=0.05, batch=32, seed=3)
    trainer._TASK1_CACHE.clear()
    a = trainer.train_continual(r0=0.5, **kw)
    trainer._TASK1_CACHE.clear()
    trainer.train_continual(r0=0.0, **kw)          # fills the task-1 cache
    c = trainer.train_continual(r0=0.5, **kw)      # replays it
    assert np.array_equal(a["eps"], c["eps"]) and np.array_equal(a["theta"], c["theta"])
