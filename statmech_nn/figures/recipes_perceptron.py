"""Binary perceptrons: task-1 field-space learning, continual learning as a Franz-Parisi
potential (theory vs the field-space trainer), learning curves through a task switch,
and hard-constraint Franz-Parisi potentials V(p)."""
import numpy as np

from . import provenance, recipe, style

T_FIELD = 0.05  # beta_T = 20, the value of the continual-learning paper

S1 = {"tiny": dict(theory=[0.25, 0.5], sgd=[0.25, 0.5], N=101, seeds=2, epochs=4),
      "quick": dict(theory=list(np.round(np.arange(0.1, 2.01, 0.1), 2)), sgd=[0.25, 0.5, 1.0, 1.5, 2.0],
                    N=1001, seeds=4, epochs=60),
      "full": dict(theory=list(np.round(np.arange(0.05, 2.01, 0.05), 2)),
                   sgd=list(np.round(np.arange(0.2, 2.01, 0.2), 2)), N=1001, seeds=10, epochs=200)}


def _sgd_task1(alpha, N, seeds, epochs):
    from ..perceptron.trainer import train_continual
    e = [train_continual(N, [alpha], epochs=epochs, lr=0.05, batch=64, seed=s, penalty="none")["eps"][-1, 0]
         for s in range(seeds)]
    return np.mean(e), np.std(e, ddof=1) / np.sqrt(len(e)) if len(e) > 1 else 0.0


@recipe("perceptron-task1", "field-space learning of a binary teacher: eps = arccos(p)/pi vs alpha, "
        "RS theory (beta_T = 20: low- and high-R branches, metastable parts dashed, first-order jump at "
        "alpha_c) and Adam on the fields (error bars over seeds)")
def perceptron_task1(outdir, scale):
    import xarray as xr

    from ..perceptron.field import PerceptronField, sweep_alpha
    s = S1[scale]
    al = np.array(s["theory"], float)
    th = sweep_alpha(al, T_FIELD)
    # the transition and spinodals (about a minute); the tiny build stays below the spinodal
    cap = PerceptronField().capacity(T=T_FIELD) if al.max() > 1.4 else None
    ac = cap["alpha_c"] if cap is not None and cap.converged else np.nan
    sg = np.array([_sgd_task1(a, s["N"], s["seeds"], s["epochs"]) for a in s["sgd"]])
    get = lambda br, k: np.array([o[br][k] if o.get(br) else np.nan for o in th])
    eps = {br: get(br, "generalization_error") for br in ("low", "high")}
    fig, ax = style.new()
    for br, c in (("low", "C0"), ("high", "C3")):
        x, e = al, eps[br]
        if np.isfinite(ac):   # both branches at alpha_c itself, so that the pieces meet at the jump
            x, e = np.append(x, ac), np.append(e, cap[f"eps_{br}"])
            o = np.argsort(x)
            x, e = x[o], e[o]
        thermo = (x <= ac) if br == "low" else (x >= ac)
        if not np.isfinite(ac):
            thermo = np.full(x.size, br == "low")
        ax.plot(x, np.where(thermo, e, np.nan), color=c, ls="-", label=f"RS, {br}-R branch")
        ax.plot(x, np.where(~thermo | (x == ac), e, np.nan), color=c, ls="--", lw=1.0,
                label=f"RS, {br}-R branch, metastable")
    if np.isfinite(ac):
        ax.plot([ac, ac], [cap["eps_high"], cap["eps_low"]], color="k", lw=0.9, ls=":",
                label=rf"first-order jump, $\alpha_c$ = {ac:.4f}")
    style.mc_points(ax, s["sgd"], sg[:, 0], sg[:, 1], color="C2", label=f"Adam on fields, N={s['N']}")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\epsilon_g$ = arccos(p)/$\pi$")
    ax.legend(fontsize=6.5)
    extra = (f"; alpha_c = {ac:.4f}, high branch for alpha >= {cap['alpha_sp']:.4f}, low branch up to "
             f"{cap['alpha_sp_low']:.4f}" if np.isfinite(ac) else "")
    style.caption(fig, f"beta_T = {1 / T_FIELD:g}, Rademacher inputs, no KL, sign(0)=+1; solid: thermodynamic "
                       f"state, dashed: metastable{extra}; scale={scale}")
    sel = lambda k: ("alpha", [o.get(k, np.nan) for o in th])
    data = {"eps_theory": sel("generalization_error"), "eps_mean_theory": sel("eps_mean"),
            "p_theory": sel("p"), "q": sel("q"), "R": sel("R"),
            "Q": sel("Q"), "branch": ("alpha", [o["branch"] for o in th]),
            "eps_sgd": ("alpha_sgd", sg[:, 0]), "eps_sgd_err": ("alpha_sgd", sg[:, 1])}
    branches = [br for br in ("low", "high") if np.isfinite(eps[br]).any()]   # tiny: no high branch
    for br in branches:
        data.update({f"eps_{br}": ("alpha", eps[br]), f"R_{br}": ("alpha", get(br, "R"))})
    attrs = {"model": "perceptron-field", "level": "rs", "T": T_FIELD, "gamma1": 0.0, "N": s["N"]}
    if np.isfinite(ac):
        attrs.update(alpha_c=ac, alpha_sp=cap["alpha_sp"], alpha_sp_low=cap["alpha_sp_low"],
                     eps_low_at_alpha_c=cap["eps_low"], eps_high_at_alpha_c=cap["eps_high"])
    ds = xr.Dataset(data, coords={"alpha": al, "alpha_sgd": s["sgd"]}, attrs=attrs)
    provenance.stamp(ds, "eps_theory", "generalization_error", model="perceptron-field", params={"T": T_FIELD},
                     max_points=1)
    for br in branches:
        provenance.stamp(ds, f"eps_{br}", "generalization_error", model="perceptron-field", branch=br,
                         params={"T": T_FIELD}, max_points=1)
    return style.save(fig, outdir, "perceptron-task1") + [style.save_data(ds, outdir, "perceptron-task1")]


S2 = {"tiny": dict(alpha1=0.5, T=0.2, alpha2=[0.0, 0.3], r0=[-0.5, 0.5], gamma=[1.0, 0.1],
                  sgd=dict(N=101, seeds=1, epochs=2)),
      "quick": dict(alpha1=1.0, T=T_FIELD, alpha2=[0.0, 0.5, 1.5], r0=[-0.5, 0.0, 0.5], gamma=[1.0, 0.1],
                    sgd=dict(N=1001, seeds=2, epochs=30)),
      "full": dict(alpha1=2.0, T=T_FIELD, alpha2=[0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0],
                   r0=[-0.5, 0.0, 0.5], gamma=[1.0, 0.1], sgd=dict(N=1001, seeds=5, epochs=100))}


def _sgd_continual(s, g, r0, a2):
    from ..perceptron.trainer import train_continual
    c = s["sgd"]
    e = np.array([train_continual(c["N"], [s["alpha1"], a2], r0=r0, gamma=g, epochs=c["epochs"], lr=0.05,
                                  batch=64, seed=sd, penalty="kl")["eps"][-1] for sd in range(c["seeds"])])
    err = e.std(0, ddof=1) / np.sqrt(len(e)) if len(e) > 1 else np.zeros(2)
    return e.mean(0), err


@recipe("continual-eps", "continual learning (Franz-Parisi RS theory): forgetting eps1 and learning "
        "eps2 vs alpha2 for r0 in {-0.5, 0, 0.5} and KL weight gamma in {1, 0.1}")
def continual_eps(outdir, scale):
    import xarray as xr

    from ..perceptron.continual import Continual
    s = S2[scale]
    m = Continual()
    e1 = np.full((len(s["gamma"]), len(s["r0"]), len(s["alpha2"])), np.nan)
    e2 = e1.copy()
    conv = np.zeros(e1.shape, bool)
    sg = np.full(e1.shape + (2,), np.nan)
    sge = np.full(e1.shape + (2,), np.nan)
    t1 = m.task1(s["alpha1"], 1.0 / s["T"])[0]
    for gi, g in enumerate(s["gamma"]):
        for ri, r0 in enumerate(s["r0"]):
            rows, _ = m.sweep_alpha2(s["alpha2"], s["alpha1"], r0, g, s["T"], task1=t1)
            e1[gi, ri] = [o["eps1"] for o in rows]
            e2[gi, ri] = [o["eps2"] for o in rows]
            conv[gi, ri] = [o["converged"] for o in rows]
            for ai, a2 in enumerate(s["alpha2"]):
                if a2 > 0:
                    sg[gi, ri, ai], sge[gi, ri, ai] = _sgd_continual(s, g, r0, a2)
    fig, axes = style.new(1, len(s["gamma"]), figsize=(8.4, 3.6), sharey=True)
    for gi, g in enumerate(s["gamma"]):
        ax = axes[gi]
        for ri, r0 in enumerate(s["r0"]):
            c = f"C{ri}"
            ax.plot(s["alpha2"], e1[gi, ri], "-", color=c, marker="o", ms=3, label=rf"$\epsilon^1$, $r_0$={r0:g}")
            ax.plot(s["alpha2"], e2[gi, ri], "--", color=c, marker="s", ms=3, label=rf"$\epsilon^2$, $r_0$={r0:g}")
            style.mc_points(ax, s["alpha2"], sg[gi, ri, :, 0], sge[gi, ri, :, 0], color=c, fmt="o", mfc="none")
            style.mc_points(ax, s["alpha2"], sg[gi, ri, :, 1], sge[gi, ri, :, 1], color=c, fmt="s", mfc="none")
        ax.set_title(rf"$\gamma$ = {g:g}")
        ax.set_xlabel(r"$\alpha_2$")
    axes[0].set_ylabel(r"$\epsilon$")
    axes[0].legend(ncol=2, fontsize=6.5)
    style.caption(fig, f"alpha1 = {s['alpha1']}, beta_T = {1 / s['T']:g}; eps = arccos(p)/pi of sign(m); "
                       "solid: task 1 (forgetting), dashed: task 2 (learning); open symbols: Adam on fields with KL, "
                       f"N = {s['sgd']['N']}, {s['sgd']['seeds']} seed(s), {s['sgd']['epochs']} epochs/task")
    ds = xr.Dataset({"eps1": (("gamma", "r0", "alpha2"), e1), "eps2": (("gamma", "r0", "alpha2"), e2),
                     "converged": (("gamma", "r0", "alpha2"), conv),
                     "eps_sgd": (("gamma", "r0", "alpha2", "task"), sg),
                     "eps_sgd_err": (("gamma", "r0", "alpha2", "task"), sge)},
                    coords={"gamma": s["gamma"], "r0": s["r0"], "alpha2": s["alpha2"], "task": [1, 2]},
                    attrs={"alpha1": s["alpha1"], "T": s["T"]})
    provenance.stamp(ds, "eps1", "eps1", model="continual", params={"alpha1": s["alpha1"], "T": s["T"]},
                     max_points=1)
    return style.save(fig, outdir, "continual-eps") + [style.save_data(ds, outdir, "continual-eps")]


S3 = {"tiny": dict(N=201, alphas=[1.5, 1.5], epochs=5, seeds=1),
      "quick": dict(N=1001, alphas=[2.0, 2.0], epochs=30, seeds=3),
      "full": dict(N=1001, alphas=[2.0, 2.0], epochs=100, seeds=10)}
LEARNERS = [("VCL (KL)", dict(penalty="kl")), ("EWC", dict(penalty="ewc")),
            ("metaplastic m=1.5", dict(penalty="none", metaplastic=1.5)), ("plain", dict(penalty="none"))]


@recipe("continual-learning-curves", "field-space trainer through a task switch (r0 = 0): test error "
        "on task 1 and task 2 per epoch for KL (VCL), EWC, metaplastic and plain updates",
        no_theory="simulation only: the trainer's test errors per epoch, no theory curve")
def continual_learning_curves(outdir, scale):
    import xarray as xr

    from ..perceptron.trainer import train_continual
    s = S3[scale]
    E = s["epochs"]
    eps = np.zeros((len(LEARNERS), s["seeds"], 2 * E + 1, 2))
    for li, (_, kw) in enumerate(LEARNERS):
        for sd in range(s["seeds"]):
            eps[li, sd] = train_continual(s["N"], s["alphas"], r0=0.0, gamma=1.0, epochs=E, lr=0.05,
                                          batch=64, seed=sd, **kw)["eps"]
    fig, axes = style.new(1, 2, figsize=(8.4, 3.4), sharey=True)
    ep = np.arange(2 * E + 1)
    for ti in range(2):
        for li, (name, _) in enumerate(LEARNERS):
            mu = eps[li, :, :, ti].mean(0)
            axes[ti].plot(ep, mu, color=f"C{li}", label=name)
        axes[ti].axvline(E, color="0.5", lw=0.8, ls=":")
        axes[ti].set_title(f"test error on task {ti + 1}")
        axes[ti].set_xlabel("epoch")
    axes[0].set_ylabel(r"$\epsilon$")
    axes[0].legend()
    style.caption(fig, f"N={s['N']}, alpha1=alpha2={s['alphas'][0]}, r0=0, gamma=1, Adam lr 0.05, batch 64; "
                       f"task switch at epoch {E}; mean over {s['seeds']} seed(s)")
    ds = xr.Dataset({"eps": (("learner", "seed", "epoch", "task"), eps)},
                    coords={"learner": [n for n, _ in LEARNERS], "seed": np.arange(s["seeds"]),
                            "epoch": ep, "task": [1, 2]}, attrs={"N": s["N"], "switch_epoch": E})
    return style.save(fig, outdir, "continual-learning-curves") + \
        [style.save_data(ds, outdir, "continual-learning-curves")]


S4 = {"tiny": dict(teacher=[0.5, 1.0], p=np.linspace(0.05, 0.99, 8), storage=[], sp=[]),
      "quick": dict(teacher=[0.5, 1.0, 1.2, 1.4], p=np.linspace(0.02, 0.995, 24), storage=[0.5],
                    sp=[0.2, 0.5, 0.8, 0.95, 0.995]),
      "full": dict(teacher=[0.5, 1.0, 1.2, 1.3, 1.4], p=np.linspace(0.01, 0.998, 60), storage=[0.3, 0.5, 0.7],
                   sp=list(np.linspace(0.1, 0.9, 9)) + [0.95, 0.97, 0.99, 0.995, 0.998])}


@recipe("franz-parisi", "hard-constraint Franz-Parisi potential V(p) (entropy at overlap p with an "
        "equilibrium solution) for the teacher (T = 0) and storage problems")
def franz_parisi(outdir, scale):
    import xarray as xr

    from ..perceptron.fp import storage_fp, teacher_fp
    s = S4[scale]
    nst = len(s["storage"])
    fig, axes = style.new(1, 2 if nst else 1, figsize=(8.4, 3.4) if nst else None)
    axes = np.atleast_1d(axes)
    Vt = np.array([[teacher_fp(a, p)["V"] for p in s["p"]] for a in s["teacher"]])
    for i, a in enumerate(s["teacher"]):
        axes[0].plot(s["p"], Vt[i], label=rf"$\alpha$={a:g}")  # NaN: no RS solution with q < 1
        axes[0].plot([1.0], [0.0], "o", color=f"C{i}", ms=3)
    axes[0].axhline(0, color="0.5", lw=0.8)
    axes[0].set_xlabel("overlap p with the reference (= teacher by Nishimori)")
    axes[0].set_ylabel("V(p)")
    axes[0].set_title("teacher-student, T = 0")
    axes[0].legend()
    data = {"V_teacher": (("alpha_teacher", "p"), Vt)}
    coords = {"alpha_teacher": s["teacher"], "p": s["p"]}
    if nst:
        Vs = np.array([[storage_fp(a, p)["V"] for p in s["sp"]] for a in s["storage"]])
        for i, a in enumerate(s["storage"]):
            axes[1].plot(s["sp"], Vs[i], marker="o", ms=3, label=rf"$\alpha$={a:g}")
        axes[1].axhline(0, color="0.5", lw=0.8)
        axes[1].set_xlabel("overlap p with an equilibrium solution")
        axes[1].set_title("storage, kappa = 0")
        axes[1].legend()
        data["V_storage"] = (("alpha_storage", "p_storage"), Vs)
        coords.update(alpha_storage=s["storage"], p_storage=s["sp"])
    style.caption(fig, "V < 0 just below p = 1: equilibrium solutions are isolated (point-like "
                       "clusters); dots: the reference itself (V = 0 at p = 1)")
    ds = xr.Dataset(data, coords=coords, attrs={"note": "NaN: only the collapsed q -> 1 RS solution"})
    provenance.stamp(ds, "V_teacher", "V", function="statmech_nn.perceptron.fp:teacher_fp",
                     coords={"alpha": "alpha_teacher", "p": "p"}, max_points=2)
    if nst:
        provenance.stamp(ds, "V_storage", "V", function="statmech_nn.perceptron.fp:storage_fp",
                         coords={"alpha": "alpha_storage", "p": "p_storage"}, max_points=1)
    return style.save(fig, outdir, "franz-parisi") + [style.save_data(ds, outdir, "franz-parisi")]


S5 = {"tiny": dict(theory=[0.5, 1.0], mc=[0.5, 1.0], N=51, samples=2, sweeps=300),
      "quick": dict(theory=list(np.round(np.arange(0.1, 3.01, 0.1), 2)), mc=[0.25, 0.5, 1.0, 1.5, 2.0, 2.5],
                    N=201, samples=8, sweeps=2000),
      "full": dict(theory=list(np.round(np.arange(0.05, 3.01, 0.05), 2)),
                   mc=list(np.round(np.arange(0.25, 3.01, 0.25), 2)), N=401, samples=16, sweeps=5000)}


@recipe("perceptron-teacher-mc", "teacher-student Gibbs learning of a binary teacher: eps(alpha) from "
        "RS theory at T = 1 and T = 0 (alpha_c, alpha_sp marked) vs Metropolis MC at T = 1")
def perceptron_teacher_mc(outdir, scale):
    import xarray as xr

    from ..perceptron import mc
    from ..perceptron.common import eps_from_overlap
    from ..perceptron.teacher import PerceptronTeacher
    s = S5[scale]
    m = PerceptronTeacher()
    T = 1.0
    th1 = [m.solve(alpha=a, T=T) for a in s["theory"]]
    th0 = [m.solve(alpha=a, T=0, branch="poor") for a in s["theory"]]
    th1p = [m.solve(alpha=a, T=T, branch="poor") for a in s["theory"]]
    cap = m.capacity()
    eps_mc = np.zeros((len(s["mc"]), s["samples"]))
    for i, a in enumerate(s["mc"]):
        for k in range(s["samples"]):
            ws, X, y = mc.make_data(s["N"], a, seed=(11, i, k))
            r = mc.run_mc(X, y, T, s["sweeps"], s["sweeps"] // 4, seed=(12, i, k), teacher=ws,
                          measure_every=10)
            eps_mc[i, k] = eps_from_overlap(r["R"].mean())
    fig, ax = style.new()
    ax.plot(s["theory"], [r.generalization_error for r in th1], **style.THEORY["rs"], label=f"RS, T = {T:g}")
    e0 = np.array([r.generalization_error if r.branch == "poor" else np.nan for r in th0])
    e1p = np.array([r.generalization_error if r.branch == "poor" else np.nan for r in th1p])
    ax.plot(s["theory"], e1p, ls="--", color="C0", lw=1.0, label=f"RS, T = {T:g}, poor branch (metastable)")
    ax.plot(s["theory"], e0, ls="--", color="C1", label="RS, T = 0, poor branch")
    ax.axvline(cap["alpha_c"], color="C1", lw=0.8, ls=":")
    ax.axvline(cap["alpha_sp"], color="0.5", lw=0.8, ls=":")
    style.mc_points(ax, s["mc"], eps_mc.mean(1), eps_mc.std(1, ddof=1) / np.sqrt(s["samples"]),
                    color="C0", label=f"Metropolis, T = {T:g}, N = {s['N']}")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\epsilon_g = \arccos(R)/\pi$")
    ax.legend()
    style.caption(fig, f"energy = number of training errors; Gaussian inputs; dotted: alpha_c = "
                       f"{cap['alpha_c']:.4f} (jump to R = 1 at T = 0), alpha_sp = {cap['alpha_sp']:.4f}")
    ds = xr.Dataset({"eps_T1": ("alpha", [r.generalization_error for r in th1]), "eps_T0_poor": ("alpha", e0),
                     "eps_T1_poor": ("alpha", e1p),
                     "eps_mc": (("alpha_mc", "sample"), eps_mc)},
                    coords={"alpha": s["theory"], "alpha_mc": s["mc"], "sample": np.arange(s["samples"])},
                    attrs={"T": T, "N": s["N"], "alpha_c_T0": cap["alpha_c"], "alpha_sp_T0": cap["alpha_sp"]})
    for var, T_, branch in (("eps_T1", T, None), ("eps_T0_poor", 0.0, "poor"), ("eps_T1_poor", T, "poor")):
        provenance.stamp(ds, var, "generalization_error", model="perceptron-teacher", branch=branch,
                         params={"T": T_}, max_points=2)
    return style.save(fig, outdir, "perceptron-teacher-mc") + [style.save_data(ds, outdir, "perceptron-teacher-mc")]
