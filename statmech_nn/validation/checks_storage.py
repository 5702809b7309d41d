"""Validation rows: Hebbian storage (Hopfield AGS, dense P-spin) and SK, at RS and 1RSB."""
import math

from ..theory import get_model
from . import check

FAM = "storage"
LN2 = math.log(2.0)


# ---- Hopfield (AGS) ---------------------------------------------------------------------
@check("hopfield_rs_alpha_c", "Hopfield RS capacity alpha_c (T=0)",
       "Amit-Gutfreund-Sompolinsky 1987: 0.138; Stojnic 2024: 0.137906", 0.137906, 1e-6, family=FAM)
def _hop_ac():
    return get_model("hopfield").capacity(level="rs").alpha_c


@check("hopfield_rs_m_at_alpha_c", "Hopfield RS m at alpha_c",
       "AGS 1987: 0.967 (30-digit solve of the AGS T=0 equations: 0.9674171)", 0.967, 5e-4, family=FAM)
def _hop_m():
    return get_model("hopfield").capacity(level="rs").order_parameters["m"]


@check("hopfield_1rsb_alpha_c", "Hopfield 1RSB capacity alpha_c (T=0)",
       "Steffan & Kuehn 1994, Z. Phys. B 95, 249: 0.138186", 0.138186, 1e-6, family=FAM)
def _hop_ac1():
    return get_model("hopfield").capacity(level="1rsb").alpha_c


@check("hopfield_paramagnet_free_energy", "Hopfield -beta f, alpha=0.05, T=1.5 (paramagnet)",
       "exact: ln 2 - (alpha/2) ln(1-beta) - alpha beta/2",
       LN2 - 0.025 * math.log(1 - 1 / 1.5) - 0.025 / 1.5, 1e-10, kind="exact", family=FAM)
def _hop_para():
    return -get_model("hopfield").solve(level="rs", alpha=0.05, T=1.5).free_energy / 1.5


@check("hopfield_rs_vs_1rsb_spin_glass", "Hopfield f_1RSB - f_RS, spin glass, alpha=0.1, T=0 (must be > 0)",
       "Parisi/Guerra ordering f_RS <= f_1RSB: RS value must not be returned", 0.0, 1e-4,
       kind="bound", family=FAM)
def _hop_order():
    h = get_model("hopfield")
    return (h.solve(level="1rsb", branch="spin-glass", alpha=0.1, T=0).free_energy
            - h.solve(level="rs", branch="spin-glass", alpha=0.1, T=0).free_energy)


@check("hopfield_spin_glass_above_T1", "Hopfield RS f, alpha=0.1, T=1.2 (1 < T < 1 + sqrt(alpha): spin glass)",
       "AGS 1987 RS equations with m = 0, solved independently (scipy quad + brentq): q = 0.0888047",
       -0.8883561311606, 1e-9, kind="exact", family=FAM)
def _hop_sg_window():
    return get_model("hopfield").solve(level="rs", alpha=0.1, T=1.2).free_energy


@check("hopfield_not_unstable_paramagnet", "Hopfield RS f, alpha=0.1, T=1.2 must not be the paramagnet's",
       "trap: the paramagnet -T[ln 2 - (alpha/2) ln(1 - beta) - alpha beta/2] is unstable here (replicon 2.5)",
       -1.2 * (LN2 - 0.05 * math.log(1 - 1 / 1.2) - 0.05 / 1.2), 1e-4, kind="trap", family=FAM)
def _hop_not_para():
    return get_model("hopfield").solve(level="rs", alpha=0.1, T=1.2).free_energy


# ---- dense Hebbian (distinct-index, K = alpha N^(P-1)) ---------------------------------------
@check("dense_P4_rs_tau_c", "dense P=4 RS capacity alpha_c (P-1)!",
       "Gardner picture, RS T=0 (reference notes; verified independently): 0.19786", 0.19786, 1e-5,
       family=FAM)
def _dense4():
    return get_model("dense-hebbian").capacity(level="rs", P=4)["tau_c"]


@check("dense_P6_rs_tau_c", "dense P=6 RS capacity alpha_c (P-1)!",
       "Gardner picture, RS T=0: 0.15768", 0.15768, 1e-5, family=FAM)
def _dense6():
    return get_model("dense-hebbian").capacity(level="rs", P=6)["tau_c"]


@check("dense_P4_1rsb_above_rs", "dense P=4: alpha_c(1RSB) - alpha_c(RS) (must be > 0)",
       "Albanese et al. 2022: RSB increases the capacity", 0.0, 1e-4, kind="bound", family=FAM)
def _dense_order():
    d = get_model("dense-hebbian")
    return d.capacity(level="1rsb", P=4)["alpha_c"] - d.capacity(level="rs", P=4)["alpha_c"]


@check("dense_P4_at_end_on_nishimori", "dense P=4: T - alpha where the RS retrieval AT line meets the "
       "spinodal", "exact: on T = alpha retrieval has m = q, the replicon is the slope of the "
       "one-variable map, so its fold has replicon 1", 0.0, 1e-7, kind="exact", family=FAM)
def _dense_at_end():
    at = get_model("dense-hebbian").phase_lines(level="rs", P=4, n_rays=6, r_points=24)["at_retrieval"]
    return at["T"][-1] - at["alpha"][-1]


# ---- SK ---------------------------------------------------------------------------------------
@check("sk_rs_ground_state", "SK RS ground-state energy", "SK 1975, exact: -sqrt(2/pi)",
       -math.sqrt(2 / math.pi), 1e-10, kind="exact", family=FAM)
def _sk_rs():
    return get_model("sk").solve(level="rs", T=0).energy


@check("sk_1rsb_ground_state", "SK 1RSB ground-state energy", "Parisi 1979-80: -0.7653 (5 digits: -0.765259)",
       -0.765259, 2e-6, family=FAM)
def _sk_1rsb():
    return get_model("sk").solve(level="1rsb", T=0).energy


@check("sk_1rsb_not_q0_zero", "SK 1RSB ground-state energy must not be the q0=0 value",
       "trap: forcing q0 = 0 gives -0.768828", -0.768828, 1e-4, kind="trap", family=FAM)
def _sk_trap():
    return get_model("sk").solve(level="1rsb", T=0).energy


@check("sk_paramagnet_free_energy", "SK f at T=2", "exact: -T ln 2 - 1/(4T)",
       -2 * LN2 - 1 / 8, 1e-12, kind="exact", family=FAM)
def _sk_para():
    return get_model("sk").solve(level="rs", T=2.0).free_energy


@check("sk_full_rsb_gap", "SK: f_1RSB(T=0) - f_RS(T=0)", "RS -0.797885 vs 1RSB -0.765259 (Parisi)",
       0.0326255, 5e-6, kind="published", family=FAM)
def _sk_gap():
    sk = get_model("sk")
    return sk.solve(level="1rsb", T=0).free_energy - sk.solve(level="rs", T=0).free_energy
