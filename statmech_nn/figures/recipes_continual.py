"""Continual learning in multilayer binary networks: vcl vs metaplasticity, EWC, plain."""
import numpy as np

from . import recipe, style

METHODS = [("plain", "plain", {}), ("ewc", "ewc", {}), ("meta m=0", "meta", {"meta": 0.0}),
           ("meta m=1.35", "meta", {"meta": 1.35}), ("vcl", "vcl", {})]

# per scale: settings with MNIST (permuted) and without (synthetic stream)
SETTINGS = {
    "tiny": dict(mnist=None,
                 synthetic=dict(n_tasks=3, stream=dict(n_in=24, n_train=400, n_test=200),
                                train=dict(hidden=(24, 24), epochs=2, batch_size=40), seeds=2)),
    "quick": dict(mnist=dict(n_tasks=5, stream=dict(n_train=10000, n_test=2000),
                             train=dict(hidden=(256, 256), epochs=2, batch_size=100), seeds=2),
                  synthetic=dict(n_tasks=5, stream=dict(n_in=64, n_train=2000, n_test=1000),
                                 train=dict(hidden=(64, 64), epochs=3, batch_size=50), seeds=3)),
    "full": dict(mnist=dict(n_tasks=10, stream=dict(),
                            train=dict(hidden=(512, 512), epochs=5, batch_size=100), seeds=3),
                 synthetic=dict(n_tasks=10, stream=dict(n_in=128, n_train=4000, n_test=2000),
                                train=dict(hidden=(128, 128), epochs=5, batch_size=50),
                                seeds=5)),
}


def run_grid(scale, data_dir=None):
    """Run every method and seed; returns (xarray.Dataset, uses_mnist, note).

    The method axis is called ``learner`` (``method`` would clash with the ``method=``
    argument of xarray's ``.sel``): ``ds.sel(learner="vcl")``.
    """

    from ..data.idx import data_dir as _data_dir
    from ..data.idx import mnist_available
    from ..deepcl import make_stream, run_continual
    s = SETTINGS[scale]
    use_mnist = s["mnist"] is not None and mnist_available(data_dir)
    cfg = s["mnist"] if use_mnist else s["synthetic"]
    name = "permuted-mnist" if use_mnist else "synthetic"
    if use_mnist:
        note = f"stream: permuted MNIST ({cfg['n_tasks']} tasks)"
    elif s["mnist"] is None:
        note = "stream: synthetic random-teacher tasks (tiny scale never reads MNIST)"
    else:
        note = (f"stream: synthetic random-teacher tasks, because MNIST was not found under "
                f"{_data_dir(data_dir)} (put the IDX files in <dir>/mnist/ to use permuted MNIST)")
    seeds = list(range(cfg["seeds"]))
    T, E = cfg["n_tasks"], cfg["train"]["epochs"]
    acc = np.full((len(METHODS), len(seeds), T * E, T), np.nan)
    avg = np.full((len(METHODS), len(seeds), T), np.nan)
    for si, seed in enumerate(seeds):
        stream = make_stream(name, n_tasks=T, seed=seed, data_dir=data_dir, **cfg["stream"])
        for mi, (_, method, extra) in enumerate(METHODS):
            r = run_continual(stream, method, seed=seed, **cfg["train"], **extra)
            acc[mi, si] = r.acc_epoch
            avg[mi, si] = r.average_accuracy
    ds = _learner_dataset(acc, avg, [m[0] for m in METHODS], seeds, dict(
        stream=name, note=note, epochs_per_task=E, hidden=str(cfg["train"]["hidden"]),
        batch_size=cfg["train"]["batch_size"], scale=scale))
    return ds, use_mnist, note


def _learner_dataset(acc, avg, learners, seeds, attrs):
    """acc (learner, seed, epoch, task) and avg (learner, seed, n_tasks) as the figure's Dataset."""
    import xarray as xr
    K, T = acc.shape[2:]
    return xr.Dataset(
        {"acc_epoch": (("learner", "seed", "epoch", "task"), acc,
                       {"long_name": "test accuracy of each task after each epoch"}),
         "average_accuracy": (("learner", "seed", "n_tasks"), avg,
                              {"long_name": "mean accuracy over the tasks seen, after n tasks"})},
        coords={"learner": list(learners), "seed": list(seeds), "epoch": np.arange(1, K + 1),
                "task": np.arange(1, T + 1), "n_tasks": np.arange(1, T + 1)},
        attrs=attrs)


@recipe("continual-nets", "multilayer binary nets on a task stream: accuracy of each task vs "
        "epoch, and average accuracy vs number of tasks (vcl, meta m=0/1.35, ewc, plain)",
        no_theory="simulation only: test accuracies of trained multilayer networks, no theory curve")
def continual_nets(outdir, scale):
    ds, _, note = run_grid(scale)
    return plot_continual_nets(ds, note, outdir)


def dataset_from_runs(runs):
    """The ``run_grid`` dataset built from per-run netCDF files of ``statmech-nn continual``.

    ``runs``: ``{learner label: [path per seed, ...]}``; every run must share the stream
    length, the epochs per task and the seeds (in order).  Used to draw the figure from runs
    made outside the recipe (e.g. ``benchmarks/permuted_mnist.py``).
    """
    import xarray as xr
    acc, avg, seeds, attrs, shape = [], [], None, None, None
    for label, paths in runs.items():
        a_l, v_l, s_l = [], [], []
        for p in paths:
            with xr.open_dataset(p) as d:
                a_l.append(d["acc_epoch"].values)
                v_l.append(d["average_accuracy"].values)
                s_l.append(int(d.attrs["seed"]))
                here = dict(stream=d.attrs["tasks"], hidden=d.attrs["param_hidden"],
                            batch_size=int(d.attrs["param_batch_size"]),
                            epochs_per_task=int(d.attrs["param_epochs"]))
        if seeds is None:
            seeds, attrs, shape = s_l, here, a_l[0].shape
        if s_l != seeds or here != attrs or any(a.shape != shape for a in a_l):
            raise ValueError(f"runs: {label} does not match the other learners "
                             f"(seeds {s_l} vs {seeds}, settings {here} vs {attrs})")
        acc.append(a_l)
        avg.append(v_l)
    acc, avg = np.asarray(acc), np.asarray(avg)
    T = acc.shape[3]
    return _learner_dataset(acc, avg, runs, seeds,
                            dict(attrs, note=f"stream: {attrs['stream']} ({T} tasks)"))


def plot_continual_nets(ds, note, outdir, name="continual-nets"):
    """Draw the ``continual-nets`` figure from a ``run_grid``-shaped dataset."""
    M = ds.sizes["learner"]
    T, E = ds.sizes["task"], ds.attrs["epochs_per_task"]
    fig, axes = style.new(2, M, figsize=(2.1 * M + 0.6, 5.8), sharey="row")
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1, :]:
        ax.remove()
    axb = fig.add_subplot(gs[1, :])
    ep = ds["epoch"].values
    colors = [f"C{i % 10}" for i in range(T)]
    for mi, mname in enumerate(ds["learner"].values):
        ax = axes[0, mi]
        a = ds["acc_epoch"].values[mi]                   # (seed, epoch, task)
        for t in range(T):
            seen = np.isfinite(a[:, :, t]).all(0)       # epochs after the task was first seen
            if not seen.any():
                continue
            mean, sd = a[:, seen, t].mean(0), a[:, seen, t].std(0)
            ax.plot(ep[seen], mean, color=colors[t], lw=1.1, label=f"task {t + 1}",
                    marker="o" if seen.sum() == 1 else None, ms=3)
            ax.fill_between(ep[seen], mean - sd, mean + sd, color=colors[t], alpha=0.2, lw=0)
        for b in range(1, T):
            ax.axvline(b * E + 0.5, color="0.6", lw=0.6, ls=":")
        ax.set_title(mname, fontsize=9)
        ax.set_xlabel("epoch through the stream")
        if mi == 0:
            ax.set_ylabel("test accuracy")
    axes[0, -1].legend(fontsize=6, loc="lower left", ncol=2 if T > 5 else 1)
    n = ds["n_tasks"].values
    S = ds.sizes["seed"]
    for mi, mname in enumerate(ds["learner"].values):
        a = ds["average_accuracy"].values[mi]            # (seed, n_tasks)
        mean, sd = a.mean(0), a.std(0, ddof=1) if S > 1 else np.zeros(a.shape[1])
        axb.plot(n, mean, marker="o", ms=3, label=mname, color=f"C{mi}")
        axb.fill_between(n, mean - sd, mean + sd, alpha=0.2, color=f"C{mi}", lw=0)
    axb.set_xlabel("number of tasks learned")
    axb.set_ylabel("average accuracy\nover tasks seen")
    axb.set_xticks(n)
    axb.legend(ncol=min(M, 5))
    style.caption(fig, f"{note}; {S} seeds (bands: mean ± 1 s.d. over seeds); hidden "
                  f"{ds.attrs['hidden']}, {E} epochs/task, batch {ds.attrs['batch_size']}; "
                  "accuracy of the binary network (sign of the fields / hidden weights).")
    paths = style.save(fig, outdir, name)
    paths.append(style.save_data(ds, outdir, name))
    return paths
