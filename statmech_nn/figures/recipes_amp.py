"""AMP (TAP) and its state evolution for teacher-student learning of a binary teacher.

* ``perceptron-amp``: teacher overlap R vs alpha at T = 0 -- RS theory (poor branch:
  thermodynamic up to alpha_c, metastable up to its spinodal alpha_sp; perfect state R = 1),
  the state-evolution fixed point reached from the uninformative start, AMP on instances
  (two sizes, error bars = standard error over instances) -- and, on the same axes, Metropolis
  MC at T = 1 (Gibbs student) with the T = 1 RS line.
"""
import numpy as np

from . import provenance, recipe, style

SCALE = {
    "tiny": dict(se=[0.5, 1.0, 1.6], amp=[0.5, 1.6], sizes=(200,), inst=(2,), mc=[0.5, 1.0], N_mc=50,
                 inst_mc=2, sweeps=200, nq=12),
    "quick": dict(se=list(np.round(np.arange(0.1, 2.21, 0.05), 2)),
                  amp=[0.25, 0.5, 0.75, 1.0, 1.25, 1.4, 1.6, 1.8, 2.0], sizes=(1000, 4000), inst=(6, 2),
                  mc=[0.25, 0.5, 1.0, 1.5, 2.0], N_mc=200, inst_mc=4, sweeps=1000, nq=60),
    "full": dict(se=list(np.round(np.arange(0.05, 2.21, 0.025), 3)),
                 amp=list(np.round(np.arange(0.2, 2.21, 0.1), 2)), sizes=(1000, 4000), inst=(12, 4),
                 mc=list(np.round(np.arange(0.25, 2.21, 0.25), 2)), N_mc=400, inst_mc=8, sweeps=3000,
                 nq=120),
}


def rs_branches(nq):
    """T = 0 RS curves: the poor branch parametrised by q = R (alpha(q) on the Nishimori line)
    up to its spinodal; returns (alpha, R) and the capacity result (alpha_c, alpha_sp)."""
    from ..perceptron.teacher import PerceptronTeacher
    m = PerceptronTeacher()
    cap = m.capacity()
    q_c = cap["order_parameters"]["q"]
    qs = np.concatenate([np.linspace(0.02, q_c, nq), np.linspace(q_c, cap["q_sp"], nq // 2 + 2)[1:]])
    al = np.array([m.nishimori_branch(q)[0] for q in qs])
    al[nq - 1] = cap["alpha_c"]        # the same point, to the capacity's precision
    return al, qs, cap


def amp_points(alphas, N, n_inst, seed):
    """AMP (undamped, from m = 0) on ``n_inst`` instances per alpha: (mean R, s.e., all R)."""
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.plefka_perceptron import instances
    Rs = np.full((len(alphas), n_inst), np.nan)
    conv = np.zeros((len(alphas), n_inst), bool)
    for i, (a, ss) in enumerate(zip(alphas, np.random.SeedSequence(seed).spawn(len(alphas)))):
        out = instances(lambda s: perceptron_teacher(N, a, seed=s), n_inst, seed=ss, T=0.0)
        Rs[i] = [r["R"] for r in out["runs"]]
        conv[i] = [r["converged"] for r in out["runs"]]
    err = Rs.std(1, ddof=1) / np.sqrt(n_inst) if n_inst > 1 else np.full(len(alphas), np.nan)
    return Rs.mean(1), err, Rs, conv


def mc_points(alphas, N, n_inst, sweeps, T=1.0, seed=3):
    """Metropolis at temperature T from random weights: instance means of R (and s.e.)."""
    from ..mc.perceptron_model import perceptron_teacher
    from ..mc.perceptron_sampler import PerceptronSampler
    R = np.zeros((len(alphas), n_inst))
    for i, a in enumerate(alphas):
        for k, ss in enumerate(np.random.SeedSequence((seed, i)).spawn(n_inst)):
            m = perceptron_teacher(N, a, seed=ss)
            r, _ = PerceptronSampler(m, T=T, chains=1).sample(sweeps, seed=k)
            R[i, k] = r.observables["R"]["mean"]
    return R.mean(1), R.std(1, ddof=1) / np.sqrt(n_inst), R


@recipe("perceptron-amp", "binary teacher, T = 0: teacher overlap R vs alpha from RS theory (poor branch, "
        "alpha_c, alpha_sp), state evolution and AMP on instances; MC at T = 1 with its RS line")
def perceptron_amp(outdir, scale):
    import xarray as xr

    from ..perceptron.teacher import PerceptronTeacher
    c = SCALE[scale]
    teacher = PerceptronTeacher()
    al_rs, R_rs, cap = rs_branches(c["nq"])
    a_c, a_sp = cap["alpha_c"], cap["alpha_sp"]
    se = [teacher.solve(alpha=a, T=0, method="state-evolution") for a in c["se"]]
    R_se = np.array([r.order_parameters["R"] for r in se])
    t1 = [teacher.solve(alpha=a, T=1.0, branch="poor") for a in c["se"]]
    R_t1 = np.array([r.order_parameters["R"] if r.branch == "poor" else np.nan for r in t1])
    amp = {N: amp_points(c["amp"], N, n, seed=(7, N)) for N, n in zip(c["sizes"], c["inst"])}
    mcm, mce, mcR = mc_points(c["mc"], c["N_mc"], c["inst_mc"], c["sweeps"])

    fig, ax = style.new()
    therm = np.arange(len(al_rs)) < c["nq"]
    ax.plot(al_rs[therm], R_rs[therm], color="k", **style.THEORY["rs"], label="RS, T = 0 (poor branch)")
    ax.plot(al_rs[c["nq"] - 1:], R_rs[c["nq"] - 1:], color="k", ls="--", lw=1.0, label="RS, T = 0, metastable")
    ax.plot([a_c, max(c["se"])], [1, 1], color="k", lw=1.6)
    ax.plot([0, a_c], [1, 1], color="k", ls="--", lw=1.0)
    jump = np.r_[False, np.diff(R_se) > 0.05]          # do not draw the jump as a line
    xs = np.insert(np.asarray(c["se"], float), np.nonzero(jump)[0], np.nan)
    ys = np.insert(R_se, np.nonzero(jump)[0], np.nan)
    ax.plot(xs, ys, color="C3", ls=":", marker="x", ms=3, label="state evolution from R = 0")
    for k, N in enumerate(c["sizes"]):
        m, e, _, _ = amp[N]
        style.mc_points(ax, np.asarray(c["amp"]) + 0.01 * k, m, e, color=f"C{k}",
                        label=f"AMP, N = {N} ({c['inst'][k]} instances)")
    ax.plot(c["se"], R_t1, color="C2", **style.THEORY["rs"], lw=1.0, label="RS, T = 1")
    style.mc_points(ax, c["mc"], mcm, mce, color="C2", fmt="s",
                    label=f"Metropolis, T = 1, N = {c['N_mc']}")
    for a, lab in ((a_c, r"$\alpha_c$"), (a_sp, r"$\alpha_{sp}$")):
        ax.axvline(a, color="0.5", lw=0.8, ls=":")
        ax.text(a, 0.03, lab, ha="center", fontsize=8, color="0.3")
    ax.set_xlabel(r"$\alpha = P/N$")
    ax.set_ylabel(r"teacher overlap $R$")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left", fontsize=6.5)
    stuck = sum(int((~amp[N][3]).sum()) for N in c["sizes"])
    style.caption(fig, f"binary teacher and student, Gaussian inputs, y = sign(w*.x) (sign(0) = +1); "
                       f"AMP: R = w*.m/N of the mean student, undamped from m = 0, s.e. over instances "
                       f"({stuck} of {sum(len(c['amp']) * n for n in c['inst'])} runs not converged in "
                       f"1000 iterations, included); "
                       f"MC: Gibbs student, energy = #training errors; alpha_c = {a_c:.4f}, "
                       f"alpha_sp = {a_sp:.4f}; scale={scale}")
    ds = xr.Dataset(
        {"R_rs_T0": ("alpha_rs", R_rs), "R_se_T0": ("alpha", R_se), "R_rs_T1_poor": ("alpha", R_t1),
         **{f"R_amp_N{N}": (("alpha_amp", f"instance_N{N}"), amp[N][2]) for N in c["sizes"]},
         **{f"converged_amp_N{N}": (("alpha_amp", f"instance_N{N}"), amp[N][3].astype(np.int8))
            for N in c["sizes"]},
         "R_mc_T1": (("alpha_mc", "instance_mc"), mcR)},
        coords={"alpha_rs": al_rs, "alpha": c["se"], "alpha_amp": c["amp"], "alpha_mc": c["mc"]},
        attrs={"alpha_c": a_c, "alpha_sp": a_sp, "N_mc": c["N_mc"], "sweeps_mc": c["sweeps"],
               "T_mc": 1.0, "convention": "R = w*.m/N; Gaussian inputs; E = #training errors"})
    provenance.stamp(ds, "R_rs_T1_poor", "order_parameters.R", model="perceptron-teacher", branch="poor",
                     params={"T": 1.0}, max_points=2)
    return style.save(fig, outdir, "perceptron-amp") + [style.save_data(ds, outdir, "perceptron-amp")]
