"""Monte Carlo figures: theory lines against MC points with error bars.

* ``hopfield-m-vs-T``  Hopfield Mattis overlap m(T) at two loads, RS theory vs MC.
* ``dense-hysteresis`` P = 4 dense network at low load: m(T) from heating (start on the
  pattern) and cooling (start random) runs, showing the first-order jump and hysteresis.
* ``sk-energy``        SK energy per spin vs T from parallel tempering, against the exact
  paramagnetic u = -1/(2T) (T > 1) and the RS / 1RSB curves below T = 1.

Theory curves come from :mod:`statmech_nn.theory`; a missing model or level is skipped and
named in the caption.
"""
import numpy as np

from . import provenance, recipe, style

SCALE = {
    "tiny": dict(N_h=100, sw_h=60, nT_h=4, N_d=60, sw_d=40, nT_d=6, N_s=48, sw_s=200, nT_s=8, nth=10),
    "quick": dict(N_h=800, sw_h=400, nT_h=8, N_d=200, sw_d=300, nT_d=12, N_s=192, sw_s=3000, nT_s=16, nth=30),
    "full": dict(N_h=2000, sw_h=2000, nT_h=14, N_d=800, sw_d=2000, nT_d=20, N_s=512, sw_s=20000, nT_s=24, nth=60),
}


def _dataset(**vars_):
    import xarray as xr
    return xr.Dataset({k: (dims, np.asarray(v, dtype=float)) for k, (dims, v) in vars_.items()})


@recipe("hopfield-m-vs-T", "Hopfield m(T) at two loads: RS theory (retrieval start) vs MC")
def hopfield_m_vs_T(outdir, scale):
    from ..mc import Sampler, hopfield
    from ..mc.compare import theory_curve
    c = SCALE[scale]
    loads = (0.03, 0.08)
    Ts = np.linspace(0.15, 1.1, c["nT_h"])
    Tth = np.linspace(0.05, 1.1, c["nth"])
    fig, ax = style.new()
    data, notes = {}, []
    seeds = np.random.SeedSequence(1).spawn(len(loads))
    for k, (alpha, ss) in enumerate(zip(loads, seeds)):
        model = hopfield(c["N_h"], alpha=alpha, seed=ss)
        mean, err = [], []
        for j, T in enumerate(Ts):
            r, _ = Sampler(model, T=T, init="pattern", chains=2).sample(c["sw_h"], seed=j)
            mean.append(r["observables"]["m"]["mean"])
            err.append(r["observables"]["m"]["err"])
        th, note = theory_curve("hopfield", "m", Tth, "T", level="rs", alpha=alpha)
        color = f"C{k}"
        if th is not None:
            ax.plot(Tth, th, color=color, label=f"RS, alpha={alpha}", **style.THEORY["rs"])
        else:
            notes.append(note)
            th = np.full_like(Tth, np.nan)
        style.mc_points(ax, Ts, mean, err, color=color, label=f"MC N={model.N}, K={model.K}")
        data[f"m_mc_{k}"] = (("T",), mean)
        data[f"m_err_{k}"] = (("T",), err)
        data[f"m_rs_{k}"] = (("T_theory",), th)
    ax.set_xlabel("T")
    ax.set_ylabel("Mattis overlap m")
    ax.set_ylim(-0.05, 1.05)
    ax.legend()
    style.caption(fig, "H = -(1/2N) sum_{i!=j} sum_mu xi xi s s, alpha = K/N; MC: Metropolis, start on "
                  "pattern 1, 2 chains, errors from tau_int" + ("; " + "; ".join(notes) if notes else ""))
    ds = _dataset(**data)
    ds = ds.assign_coords(T=Ts, T_theory=Tth, alpha=("load", list(loads)))
    for k, alpha in enumerate(loads):
        provenance.stamp(ds, f"m_rs_{k}", "order_parameters.m", model="hopfield", branch="retrieval",
                         params={"alpha": alpha}, coords={"T": "T_theory"}, transform="abs")
    return style.save(fig, outdir, "hopfield-m-vs-T") + [style.save_data(ds, outdir, "hopfield-m-vs-T")]


@recipe("dense-hysteresis", "Dense P=4 m(T) at low load: first-order jump and heating/cooling hysteresis")
def dense_hysteresis(outdir, scale):
    from ..mc import Sampler, dense_hebbian
    from ..mc.compare import theory_curve
    c = SCALE[scale]
    N, K = c["N_d"], 2
    model = dense_hebbian(N, P=4, K=K, seed=3)
    Ts = np.linspace(0.035, 0.115, c["nT_d"])
    curves = {}
    for name, order, init in (("heating", Ts, "pattern"), ("cooling", Ts[::-1], "random")):
        st = None
        mean, err = [], []
        for j, T in enumerate(order):
            s = Sampler(model, T=float(T), init=init, chains=2)
            if st is None:
                st = s.init_state(7)
            else:
                st.reset_statistics()
            r = s.run(st, c["sw_d"], burn=c["sw_d"] // 4)
            mean.append(r["observables"]["abs_m"]["mean"])
            err.append(r["observables"]["abs_m"]["err"])
        if name == "cooling":
            mean, err = mean[::-1], err[::-1]
        curves[name] = (np.array(mean), np.array(err))
    fig, ax = style.new()
    Tth = np.linspace(Ts[0], Ts[-1], c["nth"])
    notes = []
    th_f, note = theory_curve("dense-hebbian", "m", Tth, "T", level="rs", alpha=K / float(N) ** 3, P=4)
    label = f"RS dense, alpha={K / N ** 3:.1e}"
    source = ("dense-hebbian", "retrieval", {"alpha": K / float(N) ** 3, "P": 4})
    if th_f is None:   # the K = 1 / alpha -> 0 limit is the P = 4 Curie-Weiss magnet
        notes.append(note)
        th_f, note = theory_curve("curie-weiss", "m", Tth, "T", level="rs", branch="ferromagnet", P=4, h=0.0)
        label = "Curie-Weiss P=4 (alpha -> 0), ferro branch"
        source = ("curie-weiss", "ferromagnet", {"P": 4, "h": 0.0})
        if th_f is None:
            notes.append(note)
    if th_f is not None:
        ax.plot(Tth, np.where(th_f > 1e-3, th_f, np.nan), color="k", label=label, **style.THEORY["rs"])
    else:
        th_f = np.full_like(Tth, np.nan)
    ax.axhline(0.0, color="0.5", lw=1, ls=":", label="paramagnet m = 0 (locally stable for P >= 3)")
    # thermodynamic transition of the alpha -> 0 limit: where the equilibrium state loses m
    eq, _ = theory_curve("curie-weiss", "m", Tth, "T", level="rs", branch=None, P=4, h=0.0)
    if eq is not None and np.any(eq > 0.5) and np.any(eq < 1e-3):
        T_th = Tth[np.argmax(eq < 1e-3)]
        ax.axvline(T_th, color="0.4", lw=1, ls="--", label=f"T_th ~ {T_th:.3f} (alpha -> 0)")
    style.mc_points(ax, Ts, *curves["heating"], color="C3", fmt="^", label="MC heating (from pattern)")
    style.mc_points(ax, Ts, *curves["cooling"], color="C0", fmt="v", label="MC cooling (from random)")
    ax.set_xlabel("T")
    ax.set_ylabel("|m|")
    ax.set_ylim(-0.05, 1.05)
    ax.legend()
    style.caption(fig, f"H = -N^(1-P) sum_mu sum_(i1<..<i4) prod xi s (P = 4, distinct indices), N={N}, "
                  f"K={K}; {c['sw_d']} sweeps per T, chains carried over between temperatures"
                  + ("; " + "; ".join(notes) if notes else ""))
    ds = _dataset(m_heat=(("T",), curves["heating"][0]), err_heat=(("T",), curves["heating"][1]),
                  m_cool=(("T",), curves["cooling"][0]), err_cool=(("T",), curves["cooling"][1]),
                  m_theory=(("T_theory",), th_f)).assign_coords(T=Ts, T_theory=Tth)
    provenance.stamp(ds, "m_theory", "order_parameters.m", model=source[0], branch=source[1], params=source[2],
                     coords={"T": "T_theory"}, transform="abs")
    return style.save(fig, outdir, "dense-hysteresis") + [style.save_data(ds, outdir, "dense-hysteresis")]


@recipe("sk-energy", "SK energy vs T: parallel tempering vs exact -1/(2T) (T > 1) and RS/1RSB below")
def sk_energy(outdir, scale):
    from ..mc import Sampler, geometric_ladder, sk
    from ..mc.compare import theory_curve
    c = SCALE[scale]
    model = sk(c["N_s"], seed=5)
    betas = geometric_ladder(0.3, 2.0, c["nT_s"])
    r, _ = Sampler(model, betas=betas, chains=2, replicas=1).sample(c["sw_s"], seed=1)
    Ts = 1.0 / np.array(betas)
    e = r["observables"]["energy"]
    fig, ax = style.new()
    Thi = np.linspace(1.0, 2.0, 30)
    ax.plot(Thi, -1 / (2 * Thi), label="exact -1/(2T), T > 1", **style.THEORY["exact"])
    Tlo = np.linspace(0.05, 1.0, c["nth"])
    notes, th = [], {}
    for lev in ("rs", "1rsb"):
        vals, note = theory_curve("sk", "energy", Tlo, "T", level=lev)
        if vals is None:
            notes.append(note)
            vals = np.full_like(Tlo, np.nan)
        else:
            ax.plot(Tlo, vals, label=f"{lev.upper()} theory", **style.THEORY[lev])
        th[lev] = vals
    style.mc_points(ax, Ts, e["mean"], e["err"], color="C3",
                    label=f"MC (PT, N={model.N}, {len(Ts)} temps)")
    ax.set_xlabel("T")
    ax.set_ylabel("energy per spin u")
    ax.legend()
    pt = r["pt"]
    style.caption(fig, "H = -sum_{i<j} J_ij s_i s_j, J ~ N(0, 1/N); one disorder sample; PT round trips "
                  f"{pt['round_trips']}, min swap rate {min(pt['swap_rate']):.2f}"
                  + ("; " + "; ".join(notes) if notes else ""))
    ds = _dataset(u_mc=(("T",), e["mean"]), u_err=(("T",), e["err"]), u_rs=(("T_theory",), th["rs"]),
                  u_1rsb=(("T_theory",), th["1rsb"])).assign_coords(T=Ts, T_theory=Tlo)
    for lev in ("rs", "1rsb"):
        provenance.stamp(ds, f"u_{lev}", "energy", model="sk", level=lev, coords={"T": "T_theory"},
                         max_points=3 if lev == "rs" else 1)
    return style.save(fig, outdir, "sk-energy") + [style.save_data(ds, outdir, "sk-energy")]
