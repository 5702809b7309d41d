"""Validation rows: binary and spherical perceptrons, teacher-student, field space, continual."""
import functools
import math

from scipy import special

from ..theory import get_model
from . import check

FAM = "perceptron"


@check("perceptron_binary_capacity", "binary perceptron capacity (RS entropy = 0), kappa=0",
       "Krauth & Mezard 1989: 0.833 (5 digits: 0.83308)", 0.83308, 1e-5, family=FAM)
def _bin():
    return get_model("perceptron-storage").capacity(weights="binary", kappa=0)["alpha_c"]


@check("perceptron_binary_not_4_over_pi", "binary perceptron capacity must not be the q->1 point",
       "trap: Gardner & Derrida 1988, RS q->1 gives 4/pi", 4 / math.pi, 1e-2, kind="trap", family=FAM)
def _bin_trap():
    return get_model("perceptron-storage").capacity(weights="binary", kappa=0)["alpha_c"]


@check("perceptron_spherical_capacity", "spherical perceptron capacity, kappa=0",
       "Gardner 1988; Cover 1965: 2", 2.0, 1e-10, kind="exact", family=FAM)
def _sph():
    return get_model("perceptron-storage").capacity(weights="spherical", kappa=0)["alpha_c"]


_K = 0.7


@check("perceptron_spherical_margin", "spherical capacity at kappa=0.7",
       "Gardner 1988: 1/int_{-kappa} Dt (t+kappa)^2 = 1/[(1+k^2)Phi(k) + k phi(k)]",
       1 / ((1 + _K ** 2) * special.ndtr(_K) + _K * math.exp(-_K ** 2 / 2) / math.sqrt(2 * math.pi)),
       1e-10, kind="exact", family=FAM)
def _sph_k():
    return get_model("perceptron-storage").capacity(weights="spherical", kappa=_K)["alpha_c"]


@check("perceptron_teacher_transition", "teacher-student T=0: first-order jump to perfect generalisation",
       "Gyorgyi 1990; Sompolinsky-Tishby-Seung 1990: 1.245 (re-derived 1.2447)", 1.2447, 5e-4, family=FAM)
def _teach():
    return get_model("perceptron-teacher").capacity()["alpha_c"]


@check("perceptron_teacher_spinodal", "teacher-student T=0: spinodal of the poor branch",
       "Barbier et al. PNAS 2019 (AMP threshold), re-derived: 1.4926", 1.4926, 5e-4, family=FAM)
def _teach_sp():
    return get_model("perceptron-teacher").capacity()["alpha_sp"]


@check("field_no_data_Q", "field-space model, alpha=0: Q = E m^2", "exact: uniform m on [-1,1] gives 1/3",
       1 / 3, 1e-10, kind="exact", family=FAM)
def _field_q():
    return get_model("perceptron-field").solve(alpha=0, T=0.5).order_parameters["Q"]


@check("continual_alpha2_zero", "continual at alpha2=0: eps2 - arccos(r0 cos(pi eps1))/pi, r0=0.5",
       "exact limit: with no task-2 data, teacher 2 = r0 teacher 1 + independent part", 0.0, 1e-8,
       kind="exact", family=FAM)
def _cont0():
    r = get_model("continual").solve(alpha1=1.0, alpha2=0.0, r0=0.5, gamma=1.0, T=0.1)
    return r["eps2"] - math.acos(0.5 * math.cos(math.pi * r["eps1"])) / math.pi


@check("continual_r0_one", "continual at r0=1: eps1 - eps2", "exact: identical teachers", 0.0, 1e-8,
       kind="exact", family=FAM)
def _cont1():
    r = get_model("continual").solve(alpha1=1.0, alpha2=1.0, r0=1.0, gamma=1.0, T=0.1)
    return r["eps1"] - r["eps2"]


@functools.lru_cache(maxsize=1)
def _field_alpha1():
    r = get_model("perceptron-field").solve(alpha=1.0, T=0.05, branch="low")
    if not r.converged:
        raise RuntimeError(r.message or "perceptron-field did not converge at alpha = 1")
    return r


@check("field_alpha1_eps", "field-space model, alpha=1, beta_T=20, no KL: eps = arccos(p)/pi",
       "independent peak-following solver (issue 11): 0.282758; nested adaptive quadrature "
       "(tests/quad_reference.py): 0.2827583028", 0.282758, 1e-6, kind="cross-check", family=FAM)
def _field_eps():
    return _field_alpha1().generalization_error


@check("field_alpha1_q", "field-space model, alpha=1, beta_T=20, no KL: overlap q",
       "independent peak-following solver (issue 11): 0.849057 (R = 0.605352, Q = 0.911751)", 0.849057,
       1e-6, kind="cross-check", family=FAM)
def _field_q1():
    return _field_alpha1().order_parameters["q"]


@check("field_alpha1_not_truncated", "field-space model, alpha=1, beta_T=20: eps must not be the "
       "truncated-window value", "trap: x-integral clipped to |x| <= 9 gives 0.282275", 0.282275, 1e-4,
       kind="trap", family=FAM)
def _field_trap():
    return _field_alpha1().generalization_error
