"""Validation rows: binary-perceptron Monte Carlo, AMP (TAP) and its state evolution.

Instance rows use seeded instances; z-scores divide by the standard error over instances
(disorder and thermal fluctuations together) and pass at abs(z) <= 4.
"""
import math

import numpy as np

from . import check

FAM = "perceptron"


def _teacher():
    from ..perceptron.teacher import PerceptronTeacher
    return PerceptronTeacher()


@check("perceptron_se_fixed_point_is_rs_saddle",
       "teacher-student: max abs(SE fixed point - RS saddle) in (q, R) at (alpha, T) = (1, 0), (1.45, 0), (1, 1)",
       "cross-check: AMP state evolution (output-law form) vs the replica equations (dG_E form)",
       0.0, 1e-8, kind="cross-check", family=FAM)
def _se_rs():
    m, err = _teacher(), 0.0
    for a, T in ((1.0, 0.0), (1.45, 0.0), (1.0, 1.0)):
        se = m.solve(alpha=a, T=T, method="state-evolution").order_parameters
        rs = m.solve(alpha=a, T=T, branch="poor").order_parameters
        err = max(err, abs(se["q"] - rs["q"]), abs(se["R"] - rs["R"]))
    return err


@check("perceptron_se_algorithmic_threshold",
       "teacher-student T=0: smallest alpha at which SE from R = 0 reaches R = 1 (bisection to 2e-4)",
       "Barbier et al. PNAS 2019: AMP threshold = poor-branch spinodal 1.493 (re-derived 1.4926)",
       1.4926, 5e-4, family=FAM)
def _se_threshold():
    from ..perceptron.state_evolution import trajectory
    lo, hi = 1.45, 1.55
    while hi - lo > 2e-4:
        mid = 0.5 * (lo + hi)
        if trajectory(mid, T=0)["perfect"]:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


@check("perceptron_amp_vs_se", "AMP, N=2000, alpha=1, T=0, 4 instances: z-score of mean R vs SE",
       "state evolution (large-N limit of AMP)", 0.0, 4.0, kind="cross-check", family=FAM)
def _amp_se():
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.plefka_perceptron import instances
    se = _teacher().solve(alpha=1.0, T=0, method="state-evolution").order_parameters["R"]
    o = instances(lambda s: perceptron_teacher(2000, 1.0, seed=s), 4, seed=14, T=0.0)["observables"]["R"]
    return (o["mean"] - se) / o["err"]


@check("perceptron_amp_stays_poor_beyond_transition",
       "AMP from m=0, N=1000, alpha=1.35 (alpha_c < alpha < alpha_sp): max R over 3 instances must not be 1",
       "trap: the thermodynamic state is R = 1 here, AMP (and SE) stay on the poor branch",
       1.0, 0.05, kind="trap", family=FAM)
def _amp_poor():
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.plefka_perceptron import instances
    out = instances(lambda s: perceptron_teacher(1000, 1.35, seed=s), 3, seed=15, T=0.0)
    return max(r["R"] for r in out["runs"])


@check("perceptron_mc_T1_vs_rs", "Metropolis T=1, alpha=1, N=400, 6 instances: z-score of mean R vs RS",
       "RS theory R = 0.27137 (Gyorgyi 1990 equations)", 0.0, 4.0, kind="cross-check", family=FAM)
def _mc_rs():
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.perceptron_sampler import PerceptronSampler
    rs = _teacher().solve(alpha=1.0, T=1.0).order_parameters["R"]
    R = []
    for k in range(6):
        r, _ = PerceptronSampler(perceptron_teacher(400, 1.0, seed=(31, k)), T=1.0, chains=1).sample(500, seed=k)
        R.append(r.observables["R"]["mean"])
    return (np.mean(R) - rs) / (np.std(R, ddof=1) / math.sqrt(len(R)))


@check("perceptron_mc_enumeration_energy", "perceptron-teacher N=14, alpha=1, T=0.5: MC energy z-score",
       "exact enumeration (2^14 weight vectors, Gray code)", 0.0, 4.0, kind="cross-check", family=FAM)
def _mc_exact():
    from ..mc.perceptron_exact import perceptron_exact
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.perceptron_sampler import PerceptronSampler
    m = perceptron_teacher(14, 1.0, seed=8)
    ex = perceptron_exact(m, T=0.5)
    r, _ = PerceptronSampler(m, T=0.5, chains=2).sample(8000, seed=2)
    o = r.observables["energy"]
    return (o["mean"] - ex["energy"]) / o["err"]
