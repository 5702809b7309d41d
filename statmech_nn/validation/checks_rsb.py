"""Validation rows: k-step and full replica symmetry breaking (statmech_nn/theory/rsb)."""
import numpy as np

from . import check

FAM = "rsb"


def _sk(T):
    from ..theory.pspin import PSpinEngine
    prm = {"beta": np.array([np.inf if T == 0 else 1.0 / T]), "a0": np.zeros(1), "h": np.zeros(1),
           "c2": np.full(1, 0.5)}
    return PSpinEngine((2,), 2), prm


@check("sk_frsb_ground_state", "SK full-RSB ground-state energy (k-RSB, k <= 7, k^-4 extrapolation)",
       "Crisanti & Rizzo 2002, PRE 65, 046137; Oppermann, Schmidt & Sherrington 2007, PRL 98, 127201: "
       "-0.7631667", -0.7631667, 1e-6, family=FAM)
def _sk_frsb():
    from ..theory.rsb.frsb import full_rsb
    return full_rsb(*_sk(0.0), True, kmax=7)["free_energy"]


@check("sk_krsb_k1_equals_1rsb", "SK k-RSB engine at k = 1, T = 0: energy minus the 1RSB solver's",
       "cross-check: same Parisi functional, FFT recursion vs closed-form 1RSB quadrature", 0.0, 1e-10,
       kind="cross-check", family=FAM)
def _sk_k1():
    from ..theory import get_model
    from ..theory.rsb.frsb import k_sequence
    return k_sequence(*_sk(0.0), 1, True)[0]["energy"] - get_model("sk").solve(level="1rsb", T=0).energy


@check("sk_2rsb_above_1rsb", "SK f_2RSB - f_1RSB at T = 0.5 (must be > 0)",
       "Parisi/Guerra ordering f_1RSB <= f_2RSB <= f_FRSB", 0.0, 1e-7, kind="bound", family=FAM)
def _sk_order():
    from ..theory.rsb.frsb import k_sequence
    s = k_sequence(*_sk(0.5), 2, False)
    return s[1]["free_energy"] - s[0]["free_energy"]


@check("dense_P4_2rsb_tau_c", "dense P=4 2RSB capacity alpha_c (P-1)!",
       "scratch 2RSB estimate quoted in issue 15 (not in the package before): 0.2300", 0.2300, 1e-4,
       family=FAM)
def _dense2():
    from ..theory.rsb.capacity import capacity_krsb
    return capacity_krsb(4, 2)["tau_c"]


@check("dense_P4_2rsb_above_1rsb", "dense P=4: alpha_c(2RSB) - alpha_c(1RSB) in units of (P-1)! (must be > 0)",
       "Parisi: more breaking cannot lower the capacity of the minimising family", 0.0, 1e-4,
       kind="bound", family=FAM)
def _dense21():
    from ..theory.rsb.capacity import capacity_krsb
    c1 = capacity_krsb(4, 1)
    return capacity_krsb(4, 2, previous=c1)["tau_c"] - c1["tau_c"]
