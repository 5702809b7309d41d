"""Figure recipes for dense Hebbian (P-spin Hopfield) storage: phase diagram and capacity vs P."""
import numpy as np
import xarray as xr
from matplotlib.patches import Rectangle

from . import provenance, recipe, style

CONV = ("H = -N^(1-P) sum_mu sum_{i1<..<iP} xi..xi s..s, K = alpha N^(P-1) (distinct indices); "
        "T = 1/beta multiplies H. Papers' axes (Albanese et al.): gamma = alpha P!/2, T' = T P!/2.")

_PD = {"tiny": dict(n_rays=6, r_points=24, rsb_retrieval=False),
       "quick": dict(n_rays=12, r_points=32, rsb_retrieval=True),
       "full": dict(n_rays=28, r_points=64, rsb_retrieval=True)}
_CAP = {"tiny": dict(P_rs=[4, 6, 8, 10], P_rsb=[4], P_2rsb=[4]),
        "quick": dict(P_rs=list(range(4, 13, 2)), P_rsb=[4, 6, 8, 10], P_2rsb=[4, 6]),
        "full": dict(P_rs=list(range(4, 21, 2)), P_rsb=list(range(4, 17, 2)), P_2rsb=[4, 6, 8])}


def _poly(ax, a, T, color, label=None):
    """Shade the region between a line (alpha(T), ordered from T = 0 to alpha = 0) and the axes."""
    if len(a) < 2:
        return
    xs = np.concatenate([[0.0], a, [0.0]])
    ys = np.concatenate([[0.0], T, [0.0]])
    ax.fill(xs, ys, color=color, lw=0, label=label, zorder=0)


@recipe("dense-phase-diagram", "P = 4 dense Hebbian (alpha, T) phase diagram: RS and 1RSB lines, "
        "AT line of RS retrieval, regions shaded (1RSB), data as netCDF")
def dense_phase_diagram(outdir, scale):
    from ..theory import get_model
    cfg = _PD[scale]
    P = 4
    dense = get_model("dense-hebbian")
    rs = dense.phase_lines("rs", P=P, n_rays=cfg["n_rays"], r_points=cfg["r_points"])
    rb = dense.phase_lines("1rsb", P=P, n_rays=cfg["n_rays"], r_points=cfg["r_points"],
                           rsb_retrieval=cfg["rsb_retrieval"])
    cap_rb = dense.capacity(level="1rsb", P=P) if scale != "tiny" else None
    fig, ax = style.new(figsize=(7.6, 4.8))
    amax = 1.6 * rs["retrieval_spinodal"]["alpha"].max()
    Tmax = 1.25 * max(rs["retrieval_spinodal"]["T"].max(), np.interp(amax, rb["spin_glass_dynamic"]["alpha"],
                                                                     rb["spin_glass_dynamic"]["T"]))
    ax.add_patch(Rectangle((0, 0), amax, Tmax, color=style.PHASE_COLORS["paramagnet"], zorder=-1, lw=0))
    sg = rb["spin_glass_static"]
    ax.fill_between(sg["alpha"], 0, sg["T"], color=style.PHASE_COLORS["spin-glass"], lw=0, zorder=0)
    shade = rb if cfg["rsb_retrieval"] else rs
    _poly(ax, shade["retrieval_spinodal"]["alpha"], shade["retrieval_spinodal"]["T"], style.PHASE_COLORS["mixed"])
    _poly(ax, shade["retrieval_global"]["alpha"], shade["retrieval_global"]["T"], style.PHASE_COLORS["retrieval"])
    c_sp, c_gl, c_sg = "C0", "C2", "C3"
    for lv, d in (("rs", rs), ("1rsb", rb)):
        kw = style.THEORY[lv]
        if len(d.get("retrieval_spinodal", {}).get("alpha", [])):
            ax.plot(d["retrieval_spinodal"]["alpha"], d["retrieval_spinodal"]["T"], color=c_sp, **kw,
                    label=f"retrieval spinodal ({lv.upper()})")
            ax.plot(d["retrieval_global"]["alpha"], d["retrieval_global"]["T"], color=c_gl, **kw,
                    label=f"retrieval = global min ({lv.upper()})")
    at = rs["at_retrieval"]
    cold = np.isfinite(at["b"])   # drop the analytic (0, 0) end: the line is exponentially flat there
    ax.plot(at["alpha"][cold], at["T"][cold], color="C4", ls="-.", lw=1.0,
            label="AT line of RS retrieval (replicon = 1)")
    ax.plot(rs["spin_glass"]["alpha"], rs["spin_glass"]["T"], color=c_sg, **style.THEORY["rs"],
            label="RS spin-glass solution appears")
    ax.plot(rb["spin_glass_static"]["alpha"], rb["spin_glass_static"]["T"], color=c_sg, **style.THEORY["1rsb"],
            label="1RSB static T_s (SG | para)")
    ax.plot(rb["spin_glass_dynamic"]["alpha"], rb["spin_glass_dynamic"]["T"], color="C1", ls=":",
            label="1RSB dynamical T_d")
    from ..theory.rsb.gardner import glass_gardner_b
    b_G, _ = glass_gardner_b(P)
    a_g = rb["spin_glass_static"]["alpha"]
    ax.plot(a_g, np.sqrt(a_g / 24.0) / b_G, color="C5", ls=(0, (5, 1, 1, 1)), lw=1.0,
            label="Gardner line of the 1RSB glass (lambda_1 = 1)")
    if cap_rb is not None:
        ax.plot([cap_rb["alpha_c"]], [0], "k^", ms=5, clip_on=False, label="1RSB alpha_c (T = 0)")
    ax.plot([rs["retrieval_spinodal"]["alpha"][0]], [0], "kv", ms=5, clip_on=False, label="RS alpha_c (T = 0)")
    ax.text(0.004, 0.35 * Tmax, "R\n(retrieval)", fontsize=8)
    ax.text(0.78 * amax, 0.12 * Tmax, "SG", fontsize=9)
    ax.text(0.55 * amax, 0.85 * Tmax, "para", fontsize=9)
    ax.set(xlim=(0, amax), ylim=(0, Tmax), xlabel="alpha = K / N^(P-1)", ylabel="T",
           title=f"dense Hebbian P = {P}: RS (solid), 1RSB (dashed)")
    sec = ax.secondary_xaxis("top", functions=(lambda a: a * 12.0, lambda g: g / 12.0))
    sec.set_xlabel("gamma = alpha P!/2")
    sec2 = ax.secondary_yaxis("right", functions=(lambda t: t * 12.0, lambda t: t / 12.0))
    sec2.set_ylabel("T' = T P!/2")
    ax.legend(loc="upper left", bbox_to_anchor=(1.13, 1.0), fontsize=6.5)
    note = "" if cfg["rsb_retrieval"] else " [tiny: 1RSB retrieval lines omitted; shading of R from RS]"
    style.caption(fig, CONV + " Shading: 1RSB phases (R metastable: violet). RS retrieval is "
                  "AT-unstable below the dash-dotted line, which reaches T = 0 only at alpha = 0 "
                  "(T_AT ~ exp(-1/(2 alpha (P-1)!))) and is drawn down to the coldest ray. Below the "
                  "Gardner line the 1RSB glass is unstable inside its states (full RSB); the broken 1RSB "
                  "retrieval state has lambda_1 > 1 wherever it is broken (its instability line is the AT line)." + note)
    paths = style.save(fig, outdir, "dense-phase-diagram")
    ds = xr.Dataset({**rs.to_dataset(prefix="rs_", extras=False).data_vars,
                     **rb.to_dataset(prefix="1rsb_", extras=False).data_vars},
                    attrs={"model": "dense-hebbian", "P": P, "convention": CONV, "scale": scale,
                           "b_rs_sg": rs["glass_constants"]["b_rs_sg"], "b_s": rs["glass_constants"]["b_s"],
                           "b_d": rs["glass_constants"]["b_d"], "b_gardner": b_G,
                           "lines": "T = sqrt(alpha/P!)/b for the m = 0 sector lines"})
    # the retrieval state on the RS global-retrieval line, re-solved from the public API by the tests
    a, T = ds["rs_retrieval_global_alpha"].values, ds["rs_retrieval_global_T"].values
    b = dense.solve_batch("rs", "retrieval", P=P, alpha=a, T=T)
    ds["rs_retrieval_global_f_retrieval"] = ("rs_retrieval_global_point",
                                             np.where(b["converged"], b["free_energy"], np.nan))
    provenance.stamp(ds, "rs_retrieval_global_f_retrieval", "free_energy", model="dense-hebbian",
                     branch="retrieval", params={"P": P},
                     coords={"alpha": "rs_retrieval_global_alpha", "T": "rs_retrieval_global_T"})
    paths.append(style.save_data(ds, outdir, "dense-phase-diagram"))
    return paths


@recipe("capacity-vs-P", "dense Hebbian T = 0 capacity alpha_c (P-1)! vs P, RS, 1RSB and 2RSB "
        "(retrieval spinodal and thermodynamic crossing)")
def capacity_vs_P(outdir, scale):
    from ..theory.dense import rs_capacity, rsb_capacity
    cfg = _CAP[scale]
    rs = [rs_capacity(P) for P in cfg["P_rs"]]
    rb = [rsb_capacity(P) for P in cfg["P_rsb"]]
    fig, ax = style.new(figsize=(5.6, 4.4))
    ax.plot(cfg["P_rs"], [d["tau_c"] for d in rs], "o-", color="C0", label="RS spinodal alpha_c (P-1)!")
    ax.plot(cfg["P_rs"], [d["tau_th"] for d in rs], "s-", color="C2", ms=3.5, label="RS R = SG crossing")
    ax.plot(cfg["P_rsb"], [d["tau_c"] for d in rb], "o--", color="C0", mfc="none", label="1RSB spinodal")
    ax.plot(cfg["P_rsb"], [d["tau_th"] for d in rb], "s--", color="C2", mfc="none", ms=3.5,
            label="1RSB R = SG crossing")
    from ..theory.rsb.capacity import capacity_krsb
    r2 = [capacity_krsb(P, 2) for P in cfg["P_2rsb"]]
    ax.plot(cfg["P_2rsb"], [d["tau_c"] for d in r2], "D", color="C3", ms=4, label="2RSB spinodal")
    ax.set(xlabel="P", ylabel="alpha_c (P-1)!", title="dense Hebbian storage capacity at T = 0")
    ax.legend()
    style.caption(fig, CONV + " RS: m = erf(m^(P-1)/sqrt(2 alpha (P-1)!)); P = 4: 0.19786, P = 6: 0.15768. "
                  "2RSB: k-step engine (theory.rsb), P = 4: 0.230002 (1RSB 0.229172).")
    paths = style.save(fig, outdir, "capacity-vs-P")
    ds = xr.Dataset({"tau_rs": ("P_rs", [d["tau_c"] for d in rs]),
                     "m_rs": ("P_rs", [d["m"] for d in rs]),
                     "tau_thermo_rs": ("P_rs", [d["tau_th"] for d in rs]),
                     "tau_1rsb": ("P_rsb", [d["tau_c"] for d in rb]),
                     "m_1rsb": ("P_rsb", [d["m"] for d in rb]),
                     "tau_thermo_1rsb": ("P_rsb", [d["tau_th"] for d in rb]),
                     "tau_2rsb": ("P_2rsb", [d["tau_c"] for d in r2]),
                     "m_2rsb": ("P_2rsb", [d["m"] for d in r2])},
                    coords={"P_rs": cfg["P_rs"], "P_rsb": cfg["P_rsb"], "P_2rsb": cfg["P_2rsb"]},
                    attrs={"model": "dense-hebbian", "quantity": "tau = alpha_c (P-1)!", "convention": CONV,
                           "scale": scale})
    for var, q, lv, dim in (("tau_rs", "tau_c", "rs", "P_rs"), ("m_rs", "order_parameters.m", "rs", "P_rs"),
                            ("tau_1rsb", "tau_c", "1rsb", "P_rsb"), ("tau_2rsb", "tau_c", "2rsb", "P_2rsb")):
        provenance.stamp(ds, var, q, model="dense-hebbian", method="capacity", level=lv, coords={"P": dim},
                         max_points=2 if lv == "rs" else 1)
    paths.append(style.save_data(ds, outdir, "capacity-vs-P"))
    return paths
