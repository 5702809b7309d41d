"""Figure recipes for dense Hebbian learning from examples (statmech_nn.learning)."""
import numpy as np
import xarray as xr

from . import provenance, recipe, style

CONV = ("H = -N^(1-P) sum_mu sum_{i1<..<iP} xi~..xi~ s..s (supervised; unsupervised: one tensor per "
        "example, weight 1/(M R^(P/2))), K = alpha N^(P-1); T multiplies H (note's T x 2/P!)")

_SCALE = {
    "tiny": dict(Ms=[1, 10], mc_N=200, mc_sweeps=10, n_fine=8, seeds=1, grid=3, n_thr=3, Tmc=[0.03], pd_mc=[(0.005, 0.02)], pd_N=24, rs=4, Ns=4, data_n=40,
                 data_Ms=[3, 10], side=16),
    "quick": dict(Ms=[1, 2, 3, 5, 10, 20, 40, 80], mc_N=1000, mc_sweeps=60, n_fine=30, seeds=2, grid=14, n_thr=10,
                  Tmc=[0.01, 0.03, 0.05, 0.06], pd_mc=[(0.002, 0.02), (0.01, 0.02), (0.02, 0.01), (0.03, 0.005),
                                                    (0.01, 0.06), (0.035, 0.03)], pd_N=40,
                  rs=8, Ns=8, data_n=150, data_Ms=[2, 5, 10, 20, 40, 80], side=28),
    "full": dict(Ms=list(np.unique(np.geomspace(1, 200, 25).astype(int))), mc_N=3000, mc_sweeps=200, n_fine=120, n_thr=25,
                 Tmc=[0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.065], pd_N=60,
                 pd_mc=[(a, t) for a in (0.002, 0.01, 0.02, 0.03) for t in (0.0, 0.02, 0.04, 0.06)],
                 seeds=4, grid=50, rs=14, Ns=14, data_n=400, data_Ms=[2, 3, 5, 10, 20, 40, 80, 160, 320],
                 side=28),
}


@recipe("learning-m-vs-M", "archetype overlap m vs examples per class M, supervised and "
        "unsupervised, RS theory (binomial and CLT) + MC points")
def m_vs_M(outdir, scale):
    from ..learning import simulate
    from ..theory import get_model
    cfg = _SCALE[scale]
    P, r, T = 4, 0.5, 0.02
    Mfine = np.unique(np.geomspace(1, max(max(cfg["Ms"]) * 1.5, 40), cfg["n_fine"]).astype(int))
    Mus = np.unique(np.geomspace(1, 600, cfg["n_fine"]).astype(int))
    sup, uns = get_model("dense-hebbian-supervised"), get_model("dense-hebbian-unsupervised")
    th_bin = [sup.solve(P=P, alpha=0, T=T, r=r, M=int(M), branch="retrieval").order_parameters["m"] for M in Mfine]
    th_clt = [sup.solve(P=P, alpha=0, T=T, r=r, M=int(M), law="gaussian", branch="retrieval")
              .order_parameters["m"] for M in Mfine]
    alpha_us = 0.01
    th_us = {name: [mod.solve(P=P, alpha=alpha_us, T=0, r=0.5, M=int(M), branch="retrieval").order_parameters["m"]
                    for M in Mus] for name, mod in (("supervised", sup), ("unsupervised", uns))}
    mc, example = {}, {}
    for proto in ("supervised", "unsupervised"):
        vals, ex = [], []
        for M in cfg["Ms"]:
            runs = [simulate.simulate(proto, N=cfg["mc_N"], P=P, K=1, M=int(M), r=r, T=T,
                                      sweeps=cfg["mc_sweeps"], seed=100 + s, chains=1) for s in range(cfg["seeds"])]
            ms = [x["m"] for x in runs]
            ex.append(any(x["memorised_example"] for x in runs))
            vals.append((np.mean(ms), np.std(ms) / max(np.sqrt(len(ms)), 1) + 1e-4))
        mc[proto], example[proto] = np.array(vals), np.array(ex)
    # m vs T at (alpha = 0, r, M = 30)
    Mt = 30
    Tf = np.linspace(0.0, 0.075, 2 * cfg["n_fine"])
    mT = {law: np.array([sup.solve(P=P, alpha=0, T=t, r=r, M=Mt, law=law, branch="retrieval").order_parameters["m"]
                         for t in Tf]) for law in ("binomial", "gaussian")}
    mcT = {proto: np.array([simulate.simulate(proto, N=cfg["mc_N"], P=P, K=1, M=Mt, r=r, T=t, sweeps=cfg["mc_sweeps"],
                                              seed=7, chains=1)["m"] for t in cfg["Tmc"]])
           for proto in ("supervised", "unsupervised")}
    fig, (a1, a2, a3) = style.new(1, 3, figsize=(13.5, 3.9))
    a3.plot(Tf, mT["binomial"], label="RS binomial")
    a3.plot(Tf, mT["gaussian"], ls="--", label="RS CLT")
    for proto, mk in (("supervised", "o"), ("unsupervised", "s")):
        a3.plot(cfg["Tmc"], mcT[proto], mk, ms=4, label=f"MC {proto}")
    a3.set(xlabel="T", ylabel="m (retrieval branch)", title=f"m vs T: alpha = 0, r = {r}, M = {Mt}")
    a3.legend()
    a1.plot(Mfine, th_bin, label="RS, binomial law (exact)")
    a1.plot(Mfine, th_clt, ls="--", label="RS, CLT law")
    for proto, mk in (("supervised", "o"), ("unsupervised", "s")):
        style.mc_points(a1, cfg["Ms"], mc[proto][:, 0], mc[proto][:, 1], fmt=mk, label=f"MC {proto}")
    exm = example["unsupervised"]
    if exm.any():
        a1.plot(np.array(cfg["Ms"])[exm], mc["unsupervised"][exm, 0], "kx", ms=8,
                label="MC ended on a memorised example")
    a1.set(xscale="log", xlabel="M (examples per class)", ylabel="archetype overlap m",
           title=f"low load K = 1, P = {P}, r = {r}, T = {T}")
    a1.legend()
    for name, ls in (("supervised", "-"), ("unsupervised", "--")):
        a2.plot(Mus, th_us[name], ls=ls, label=name)
    a2.set(xscale="log", xlabel="M", ylabel="m (retrieval branch; 0 = none)",
           title=f"ultra-storage alpha = {alpha_us}, T = 0, r = 0.5")
    a2.legend()
    style.caption(fig, "MC: N = %d, heat-bath, start on the archetype, %d sweeps, %d sample(s); at small M r^P the "
                  "unsupervised network falls onto memorised examples (x), outside the symmetric RS ansatz. " % (
                      cfg["mc_N"], cfg["mc_sweeps"], cfg["seeds"]) + CONV)
    paths = style.save(fig, outdir, "learning-m-vs-M")
    ds = xr.Dataset({"m_rs_binomial": ("M", np.array(th_bin)), "m_rs_clt": ("M", np.array(th_clt)),
                     "m_rs_us_supervised": ("M_us", np.array(th_us["supervised"])),
                     "m_rs_us_unsupervised": ("M_us", np.array(th_us["unsupervised"]))},
                    coords={"M": Mfine, "M_us": Mus})
    ds["mc_memorised_example_unsupervised"] = ("M_mc", example["unsupervised"].astype(int))
    ds["m_rs_T_binomial"] = ("T", mT["binomial"])
    ds["m_rs_T_gaussian"] = ("T", mT["gaussian"])
    ds["m_mc_T_supervised"] = ("T_mc", mcT["supervised"])
    ds["m_mc_T_unsupervised"] = ("T_mc", mcT["unsupervised"])
    ds = ds.assign_coords(T=Tf, T_mc=np.array(cfg["Tmc"]))
    ds["m_mc_supervised"] = ("M_mc", mc["supervised"][:, 0])
    ds["m_mc_unsupervised"] = ("M_mc", mc["unsupervised"][:, 0])
    ds = ds.assign_coords(M_mc=np.array(cfg["Ms"]))
    ds.attrs.update(P=P, r=r, T=T, convention=CONV)
    sup_name, ret = "dense-hebbian-supervised", "retrieval"
    for var, model, params, coords in (
            ("m_rs_binomial", sup_name, dict(P=P, alpha=0.0, T=T, r=r), {"M": "M"}),
            ("m_rs_clt", sup_name, dict(P=P, alpha=0.0, T=T, r=r, law="gaussian"), {"M": "M"}),
            ("m_rs_us_supervised", sup_name, dict(P=P, alpha=alpha_us, T=0.0, r=0.5), {"M": "M_us"}),
            ("m_rs_us_unsupervised", "dense-hebbian-unsupervised", dict(P=P, alpha=alpha_us, T=0.0, r=0.5),
             {"M": "M_us"}),
            ("m_rs_T_binomial", sup_name, dict(P=P, alpha=0.0, r=r, M=Mt), {"T": "T"}),
            ("m_rs_T_gaussian", sup_name, dict(P=P, alpha=0.0, r=r, M=Mt, law="gaussian"), {"T": "T"})):
        provenance.stamp(ds, var, "order_parameters.m", model=model, branch=ret, params=params, coords=coords)
    return paths + [style.save_data(ds, outdir, "learning-m-vs-M")]


@recipe("learning-phase-diagram", "RS phase diagrams in (alpha, T) for both protocols at given "
        "(r, M), with the learning threshold M_c(alpha)")
def phase(outdir, scale):
    from matplotlib.colors import ListedColormap
    from ..learning import phase as ph
    from ..learning import simulate
    cfg = _SCALE[scale]
    P, r, M = 4, 0.8, 10
    alphas = np.linspace(0.0005, 0.04, cfg["grid"])
    Ts = np.linspace(0.0, 0.09, cfg["grid"])
    cols = [style.PHASE_COLORS["paramagnet"], style.PHASE_COLORS["spin-glass"], style.PHASE_COLORS["mixed"],
            style.PHASE_COLORS["retrieval"]]
    fig, axes = style.new(1, 3, figsize=(12, 3.9))
    data = {}
    for ax, proto in zip(axes[:2], ("supervised", "unsupervised")):
        ds = ph.phase_diagram(proto, P, alphas, Ts, r=r, M=M, law="binomial")
        data[proto] = ds
        ax.pcolormesh(alphas, Ts, ds.phase.values.T, cmap=ListedColormap(cols), vmin=-0.5, vmax=3.5,
                      shading="nearest")
        cs = ax.contour(alphas, Ts, np.nan_to_num(ds.m.values.T), levels=[0.5, 0.8, 0.95], colors="k",
                        linewidths=0.7)
        ax.clabel(cs, fontsize=6)
        pts = []
        for a_mc, t_mc in cfg["pd_mc"]:
            K = max(1, int(round(a_mc * cfg["pd_N"] ** (P - 1))))
            res = simulate.simulate(proto, N=cfg["pd_N"], P=P, K=K, M=M, r=r, T=t_mc, sweeps=cfg["mc_sweeps"],
                                    seed=11, chains=1)
            pts.append((a_mc, t_mc, res["m"]))
        pts = np.array(pts)
        data[f"mc_{proto}"] = pts
        sc = ax.scatter(pts[:, 0], pts[:, 1], c=pts[:, 2], vmin=0, vmax=1, cmap="viridis", edgecolors="k", zorder=5)
        for a_mc, t_mc, m_mc in pts:
            ax.annotate(f"{m_mc:.2f}", (a_mc, t_mc), fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set(xlabel="alpha (K = alpha N^3)", ylabel="T", title=f"{proto}, P = {P}, r = {r}, M = {M}")
    for k, name in ph.PHASES.items():
        axes[0].plot([], [], "s", color=cols[k], label=name)
    axes[0].legend(loc="upper right")
    al = np.linspace(0.001, 0.03, cfg["n_thr"])
    for proto, ls in (("supervised", "-"), ("unsupervised", "--")):
        Mc = ph.threshold_curve(proto, P, al, r=0.5, law="binomial")
        axes[2].plot(al, Mc, ls=ls, marker=".", label=proto)
        data[f"Mc_{proto}"] = Mc
    axes[2].set(yscale="log", xlabel="alpha", ylabel="M_c (T = 0, r = 0.5)", title="learning threshold")
    axes[2].legend()
    fig.colorbar(sc, ax=axes[1], label="MC m (points)")
    style.caption(fig, "Phases: retrieval global (green), retrieval metastable (lilac), spin glass, paramagnet; "
                  "contours: RS m; points: MC m at N = %d (K = alpha N^3, start on the archetypes, finite-size: "
                  "qualitative). RS; binomial law. " % cfg["pd_N"] + CONV)
    paths = style.save(fig, outdir, "learning-phase-diagram")
    ds = xr.Dataset({"phase_supervised": data["supervised"].phase, "m_supervised": data["supervised"].m,
                     "phase_unsupervised": data["unsupervised"].phase, "m_unsupervised": data["unsupervised"].m,
                     "Mc_supervised": ("alpha_threshold", data["Mc_supervised"]),
                     "Mc_unsupervised": ("alpha_threshold", data["Mc_unsupervised"])},
                    coords={"alpha_threshold": al})
    ds["mc_supervised"] = (("mc_point", "mc_field"), data["mc_supervised"])
    ds["mc_unsupervised"] = (("mc_point", "mc_field"), data["mc_unsupervised"])
    ds = ds.assign_coords(mc_field=["alpha", "T", "m"])
    ds.attrs.update(P=P, r=r, M=M, threshold_r=0.5, phases=data["supervised"].attrs["phases"], convention=CONV,
                    mc_N=cfg["pd_N"])
    for proto in ("supervised", "unsupervised"):
        provenance.stamp(ds, f"m_{proto}", "order_parameters.m", model=f"dense-hebbian-{proto}",
                         branch="retrieval", params=dict(P=P, r=r, M=M, law="binomial"))
        provenance.stamp(ds, f"Mc_{proto}", "M_c", model=f"dense-hebbian-{proto}", method="threshold",
                         params=dict(P=P, r=0.5, law="binomial", T=0.0), coords={"alpha": "alpha_threshold"},
                         max_points=1)
    return paths + [style.save_data(ds, outdir, "learning-phase-diagram")]


@recipe("learning-scaling", "ultra-storage M_c(r) and ultra-detection r_min(N) computed by the "
        "package, log-log against the predicted exponents")
def scaling(outdir, scale):
    from ..learning import phase as ph
    cfg = _SCALE[scale]
    P = 4
    sup = ph.ultra_storage_scaling(P, 0.02, np.geomspace(0.02, 0.3, cfg["rs"]))
    uns = ph.ultra_storage_scaling(P, 0.005, np.geomspace(0.15, 0.5, cfg["rs"]))
    fig, (a1, a2, a3) = style.new(1, 3, figsize=(14, 3.9))
    Nd = np.geomspace(1e3, 1e7, cfg["Ns"])
    sd = ph.supervised_detection_scaling(0.05, 10, Nd)
    a3.loglog(Nd, sd["r_min_P4"], "o", ms=4, label=f"P = 4 (K = 0.05 N): slope {sd['slope_P4']:.3f} (pred -1/2)")
    a3.loglog(Nd, sd["r_min_P4"][0] * (Nd / Nd[0]) ** -0.5, ":", color="0.4")
    a3.loglog(Nd, sd["r_min_P2"], "s", ms=4, label=f"P = 2 (K = 0.05 N): slope {sd['slope_P2']:.3f} (pred 0)")
    a3.set(xlabel="N", ylabel="r_min (supervised, M = 10)",
           title="supervised ultra-detection: m >= 3/sqrt(N)")
    a3.legend()
    for res, key, lab, a in ((sup, "supervised", "supervised, alpha = 0.02", 0.02),
                             (uns, "unsupervised", "unsupervised, alpha = 0.005", 0.005)):
        r, Mc = res["r"], res[f"M_c_{key}"]
        a1.loglog(r, Mc, "o", ms=4, label=f"{lab}: slope {res['slope_' + key]:.3f}")
        ok = np.isfinite(Mc)
        ref = Mc[ok][0] * (r / r[ok][0]) ** res[f"predicted_{key}"]
        a1.loglog(r, ref, ":", color="0.4")
    from matplotlib.ticker import NullFormatter
    a1.xaxis.set_minor_formatter(NullFormatter())
    a1.set(xlabel="r", ylabel="M_c (T = 0, CLT law)", title="ultra-storage: r^-2 vs r^-2P (dotted)")
    a1.legend()
    Ns = np.geomspace(1e3, 1e7, cfg["Ns"])
    det = {}
    for b in (0, 1, 2):
        d = ph.ultra_detection_scaling(P, b, 1.0, 1.0, Ns)
        det[b] = d
        a2.loglog(Ns, d["r_min"], "o", ms=4, label=f"b = {b}: slope {d['slope']:.3f} (pred {d['predicted']:.3f})")
        a2.loglog(Ns, d["r_min"][0] * (Ns / Ns[0]) ** d["predicted"], ":", color="0.4")
    a2.set(xlabel="N", ylabel="r_min (unsupervised)", title="ultra-detection K = N^b, rho = 1")
    a2.legend()
    style.caption(fig, "Predicted: M_c ~ r^-2 (supervised), r^-2P (unsupervised); r_min ~ N^-(P-1-b)/(2(P-1)) "
                  "(unsupervised, rho fixed); supervised: retrieval with m >= 3/sqrt(N) needs r ~ (M N)^-1/2 for P = 4 "
                  "at K ~ N but r = O(1) for P = 2 (AGS-type capacity collapses with rho). "
                  "RS, T = 0. " + CONV)
    paths = style.save(fig, outdir, "learning-scaling")
    ds = xr.Dataset({"Mc_supervised": ("r_sup", sup["M_c_supervised"]),
                     "Mc_unsupervised": ("r_uns", uns["M_c_unsupervised"]),
                     **{f"r_min_b{b}": ("N", det[b]["r_min"]) for b in det},
                     "r_min_supervised_P4": ("N_sup", sd["r_min_P4"]), "r_min_supervised_P2": ("N_sup", sd["r_min_P2"])},
                    coords={"r_sup": sup["r"], "r_uns": uns["r"], "N": Ns, "N_sup": Nd})
    ds.attrs.update(P=P, slope_supervised=sup["slope_supervised"], slope_unsupervised=uns["slope_unsupervised"],
                    **{f"slope_detection_b{b}": det[b]["slope"] for b in det}, convention=CONV)
    for proto, alpha, dim in (("supervised", 0.02, "r_sup"), ("unsupervised", 0.005, "r_uns")):
        provenance.stamp(ds, f"Mc_{proto}", "M_c", model=f"dense-hebbian-{proto}", method="threshold",
                         params=dict(P=P, alpha=alpha, law="gaussian"), coords={"r": dim}, max_points=1)
    return paths + [style.save_data(ds, outdir, "learning-scaling")]


def _data(cfg):
    """MNIST train split when available, else synthetic MNIST-like data (and a note)."""
    from ..data.idx import binarize, load_mnist, mnist_available
    from ..learning import structured
    if mnist_available():
        imgs, labels = load_mnist(dataset="mnist", split="train")
        n = cfg["data_n"]
        keep = np.concatenate([np.nonzero(labels == c)[0][:n] for c in range(10)])
        return binarize(imgs[keep]).reshape(len(keep), -1), labels[keep], 28, "MNIST (train split)"
    imgs, labels, _ = structured.synthetic_mnist_like(cfg["data_n"], side=cfg["side"], r=0.3, seed=0)
    return (binarize(imgs).reshape(len(imgs), -1), labels, cfg["side"],
            "synthetic MNIST-like data (MNIST not found: see statmech_nn.data.idx for where to put it)")


@recipe("learning-archetypes", "archetypes reconstructed from examples by P = 2 vs P = 4 networks, "
        "and m vs M on data with the r_eff random-data theory")
def archetypes(outdir, scale):
    import matplotlib.pyplot as plt
    from ..learning import structured
    cfg = _SCALE[scale]
    X, labels, side, source = _data(cfg)
    A, classes = structured.empirical_archetypes(X, labels, tie=1)
    reff = structured.effective_quality(X, labels, A, classes)
    Mshow = cfg["data_Ms"][-1]
    rec = {P: structured.reconstruct("supervised", X, labels, Mshow, P, A, classes, sweeps=10, start="example")
           for P in (2, 4)}
    fig = plt.figure(figsize=(10, 5.2), constrained_layout=True)
    gs = fig.add_gridspec(3, 11)
    for row, (lab, imgs) in enumerate((("archetype", A), ("P = 2", rec[2]["states"]), ("P = 4", rec[4]["states"]))):
        for k in range(min(10, len(classes))):
            ax = fig.add_subplot(gs[row, k])
            ax.imshow(imgs[k].reshape(side, side), cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(lab, fontsize=8)
    axm = fig.add_subplot(gs[:, 10:])
    axm.axis("off")
    axm.text(0, 0.5, f"M = {Mshow}\nmean m:\nP=2 {rec[2]['m'].mean():.3f}\nP=4 {rec[4]['m'].mean():.3f}", fontsize=8)
    style.caption(fig, f"Supervised networks from M examples per class, started on a held-out example, T = 0. "
                  f"Data: {source}. Archetypes: sign of class averages (ties -> +1).")
    paths = style.save(fig, outdir, "learning-archetypes")
    fig2, ax = style.new()
    Ms = cfg["data_Ms"]
    out = {}
    for P, mk in ((2, "s"), (4, "o")):
        ms = [structured.reconstruct("supervised", X, labels, M, P, A, classes, sweeps=10, start="archetype",
                                     seed=M)["m"] for M in Ms]
        out[P] = np.array([np.mean(m) for m in ms])
        style.mc_points(ax, Ms, out[P], [np.std(m) / np.sqrt(len(m)) for m in ms], fmt=mk, label=f"data, P = {P}")
    Mf = np.unique(np.geomspace(1, max(Ms) * 1.5, 40).astype(int))
    th = structured.m_vs_M_theory(float(np.mean(reff)), Mf, P=4)
    ax.plot(Mf, th, label=f"RS random data, r_eff = {np.mean(reff):.3f}")
    ax.set(xscale="log", xlabel="M (examples per class)", ylabel="overlap with empirical archetype",
           title="m vs M on data")
    ax.legend()
    style.caption(fig2, f"Data: {source}. Theory: supervised, alpha = 0, T = 0, binomial law with r = mean r_eff.")
    paths += style.save(fig2, outdir, "learning-archetypes-m-vs-M")
    ds = xr.Dataset({"m_P2": ("M", out[2]), "m_P4": ("M", out[4]), "r_eff": ("class", reff),
                     "m_theory": ("M_theory", th)},
                    coords={"M": np.array(Ms), "class": classes, "M_theory": Mf})
    ds.attrs.update(source=source, convention=CONV)
    provenance.stamp(ds, "m_theory", "order_parameters.m", model="dense-hebbian-supervised",
                     params=dict(P=4, alpha=0.0, T=0.0, r=float(np.mean(reff)), law="binomial"),
                     coords={"M": "M_theory"})
    return paths + [style.save_data(ds, outdir, "learning-archetypes")]
