"""Figure recipes for pairwise Hebbian storage (Hopfield, AGS): the (alpha, T) phase diagram."""
import numpy as np
import xarray as xr

from . import provenance, recipe, style

CONV = ("Hopfield (AGS): H = -(1/2N) sum_{i!=j} sum_mu xi_i xi_j s_i s_j, alpha = K/N, T = 1/beta. "
        "Solid: RS; dashed: 1RSB (spin-glass free energy at 1RSB; the retrieval state is RS-stable "
        "above its AT line). Stars: T = 0 capacities (RS 0.13791, 1RSB 0.13819).")

_CFG = {"tiny": dict(n=3, T_rsb=[0.0], n_at=3),
        "quick": dict(n=12, T_rsb=[0.0, 0.15, 0.3], n_at=8),
        "full": dict(n=30, T_rsb=list(np.linspace(0.0, 0.6, 7)), n_at=20)}


def _region(ax, a, T, color, label):
    """Shade {alpha < a(T)} for a line given as alpha(T) (may be re-entrant in alpha)."""
    ok = np.isfinite(a) & np.isfinite(T)
    a, T = np.asarray(a)[ok], np.asarray(T)[ok]
    if a.size < 2:
        return
    ax.fill_betweenx(T, 0.0, a, color=color, lw=0, zorder=0, label=label)


@recipe("hopfield-phase-diagram", "Hopfield (AGS) (alpha, T) phase diagram: RS and 1RSB lines "
        "(spinodal, global retrieval, spin glass, AT), regions shaded, data as netCDF")
def hopfield_phase_diagram(outdir, scale):
    from ..theory import get_model
    from ..theory.hopfield import CONVENTION
    cfg = _CFG[scale]
    hop = get_model("hopfield")
    n = cfg["n"]
    # T grid for the T-parametrised lines: dense near T = 0 where the lines bend (re-entrance)
    Ts = np.unique(np.concatenate([[0.0], 0.95 * np.sin(np.linspace(0, np.pi / 2, n)) ** 1.5]))
    rs = hop.phase_lines("rs", n=n, T_values=Ts,
                         lines=["spin_glass", "retrieval_spinodal", "retrieval_global"])
    at = hop.phase_lines("rs", n=cfg["n_at"], lines=["at_retrieval"])["at_retrieval"]
    rb = hop.phase_lines("1rsb", n=len(cfg["T_rsb"]), T_values=cfg["T_rsb"], lines=["retrieval_global"])
    cap_rs = hop.capacity("rs").alpha_c
    cap_rb = rb.get("retrieval_spinodal", {}).get("alpha_T0_1rsb") or hop.capacity("1rsb").alpha_c

    fig, ax = style.new(figsize=(6.4, 4.6))
    amax, Tmax = 0.2, 1.5
    sg = rs["spin_glass"]
    a_sg = np.linspace(0, amax, 200)
    ax.fill_between(a_sg, 1 + np.sqrt(a_sg), Tmax, color=style.PHASE_COLORS["paramagnet"], lw=0, zorder=0)
    ax.fill_between(a_sg, 0, 1 + np.sqrt(a_sg), color=style.PHASE_COLORS["spin-glass"], lw=0, zorder=0)
    sp, gl = rs["retrieval_spinodal"], rs["retrieval_global"]
    _region(ax, sp["alpha"], sp["T"], style.PHASE_COLORS["mixed"], None)
    _region(ax, gl["alpha"], gl["T"], style.PHASE_COLORS["retrieval"], None)
    ax.plot(a_sg, 1 + np.sqrt(a_sg), color="C3", **style.THEORY["rs"], label=r"$T_g = 1+\sqrt{\alpha}$ (RS = 1RSB)")
    ax.plot(sg["alpha"], sg["T"], "o", color="C3", ms=3, label=r"$T_g$ by bisection")
    ax.plot(sp["alpha"], sp["T"], color="C0", **style.THEORY["rs"], label=r"retrieval spinodal $T_M$ (RS)")
    ax.plot(gl["alpha"], gl["T"], color="C2", **style.THEORY["rs"], label=r"retrieval = global min $T_c$ (RS)")
    g1 = rb["retrieval_global"]
    ax.plot(g1["alpha"], g1["T"], color="C2", marker="s", ms=3.5, **style.THEORY["1rsb"],
            label=r"$T_c$ (1RSB spin glass)")
    ax.plot(at["alpha"], at["T"], color="C4", **style.THEORY["rs"], label=r"AT line of retrieval $T_R$")
    ax.plot([cap_rs], [0], "*", color="C0", ms=9, clip_on=False, label=fr"$\alpha_c^{{RS}}={cap_rs:.5f}$")
    ax.plot([cap_rb], [0], "*", color="C1", ms=9, clip_on=False, label=fr"$\alpha_c^{{1RSB}}={cap_rb:.5f}$")
    for txt, xy in (("paramagnet", (0.03, 1.38)), ("spin glass", (0.12, 0.9)),
                    ("retrieval\n(global)", (0.012, 0.3)), ("retrieval\n(metastable)", (0.075, 0.08))):
        ax.text(*xy, txt, fontsize=8, ha="center", va="center", color="0.25")
    ax.set_xlim(0, amax)
    ax.set_ylim(0, Tmax)
    ax.set_xlabel(r"load $\alpha = K/N$")
    ax.set_ylabel(r"temperature $T$")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.12), fontsize=6.5, ncol=1, framealpha=0.8, frameon=True)
    ax.set_title("Hopfield model: AGS phase diagram (RS and 1RSB)")
    style.caption(fig, CONV)
    paths = style.save(fig, outdir, "hopfield-phase-diagram")

    from ..core.typed import PhaseLines
    data = {}
    for lines, lv in ((rs, "rs"), (PhaseLines(at_retrieval=at), "rs"), (rb, "1rsb")):
        data.update(lines.to_dataset(prefix=f"{lv}_", extras=False).data_vars)
    ds = xr.Dataset(data, attrs={"model": "hopfield", "convention": CONVENTION,
                                 "alpha_c_rs": float(cap_rs), "alpha_c_1rsb": float(cap_rb),
                                 "scale": scale, "note": "lines found by root finding, no grid scan"})
    # the two states on the RS global-retrieval line (equal f there: the line's definition),
    # re-solved from the public API by the tests
    a, T = ds["rs_retrieval_global_alpha"].values, ds["rs_retrieval_global_T"].values
    ok = np.isfinite(a) & np.isfinite(T)
    for var, branch in (("rs_retrieval_global_f_retrieval", "retrieval"),
                        ("rs_retrieval_global_f_spin_glass", "spin-glass")):
        f = np.full(a.shape, np.nan)
        if ok.any():
            b = hop.solve_batch("rs", branch, alpha=a[ok], T=T[ok])
            f[ok] = np.where(b["converged"], b["free_energy"], np.nan)
        ds[var] = ("rs_retrieval_global_point", f)
        provenance.stamp(ds, var, "free_energy", model="hopfield", level="rs", branch=branch,
                         coords={"alpha": "rs_retrieval_global_alpha", "T": "rs_retrieval_global_T"})
    paths.append(style.save_data(ds, outdir, "hopfield-phase-diagram"))
    return paths

