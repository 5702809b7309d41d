"""Permuted-MNIST table for issue 7: ``python benchmarks/permuted_mnist.py [options]``.

Runs ``statmech-nn continual`` once per (learner, seed) on one ``--n-tasks`` stream, in
``--jobs`` worker processes (one BLAS thread each), and reads the average accuracy after
every number of tasks from each run's accuracy matrix.  A run whose netCDF file already
exists is not run again, so an interrupted table resumes where it stopped.  ``--table-only``
builds the table from the files present.

Output: ``OUTDIR/<learner>_s<seed>.nc`` (per-epoch accuracies, as written by the CLI),
``OUTDIR/table.json`` and a markdown table on stdout.

"After t tasks" is the mean test accuracy over tasks 1..t of the binary network right after
task t, read from the same ``--n-tasks`` stream (beta is annealed over that whole stream).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

LEARNERS = {                      # name -> extra CLI arguments
    "vcl": ["--method", "vcl"],
    "plain": ["--method", "plain"],
    "ewc": ["--method", "ewc"],
    "meta m=1.35": ["--method", "meta", "--meta", "1.35"],
    "meta m=0": ["--method", "meta", "--meta", "0"],
}


def _file(outdir, learner, seed):
    return Path(outdir) / f"{learner.replace(' ', '_').replace('=', '')}_s{seed}.nc"


def run_one(learner, seed, args):
    out = _file(args.outdir, learner, seed)
    if out.exists():
        return learner, seed, "cached", 0.0
    cmd = [sys.executable, "-m", "statmech_nn", "continual", "--tasks", args.tasks,
           "--n-tasks", str(args.n_tasks), "--seed", str(seed), "--epochs", str(args.epochs),
           "--hidden", args.hidden, "--quiet", "--json", "--out", str(out),
           *LEARNERS[learner]]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{learner} seed {seed} failed: {p.stderr.strip()}")
    print(f"[pm] {learner} seed {seed}: {dt:.0f} s, final average "
          f"{json.loads(p.stdout)['final_average_accuracy']:.4f}", file=sys.stderr, flush=True)
    return learner, seed, "ran", dt


def _stats(v):
    return dict(mean=float(np.mean(v)) if v else None,
                sd=float(np.std(v, ddof=1)) if len(v) > 1 else None, values=v)


def table(outdir, seeds, report=(5, 10)):
    """Mean and s.d. over seeds of the average accuracy after ``report`` tasks."""
    import xarray as xr
    rows = {}
    for learner in LEARNERS:
        per = {t: [] for t in report}
        task1, learned, done, secs = [], [], [], []
        for s in seeds:
            f = _file(outdir, learner, s)
            if not f.exists():
                continue
            with xr.open_dataset(f) as ds:
                A = ds["acc_matrix"].values
                secs.append(float(ds.attrs["seconds"]))
            done.append(s)
            for t in report:
                if t <= len(A):
                    per[t].append(float(np.mean(A[t - 1, :t])))
            task1.append(float(A[-1, 0]))
            learned.append(float(np.mean(np.diag(A))))
        rows[learner] = dict(
            seeds=done, seconds=secs,
            **{f"after_{t}": _stats(v) for t, v in per.items()},
            task1_final=_stats(task1), just_learned=_stats(learned))
    return rows


def markdown(rows, report=(5, 10)):
    def cell(d):
        if d["mean"] is None:
            return "not run"
        return f"{d['mean']:.3f} ± {d['sd']:.3f}" if d.get("sd") is not None else \
            f"{d['mean']:.3f}"
    head = "| learner | seeds | " + " | ".join(f"after {t} tasks" for t in report) + \
        " | task 1 at the end | each task just after learning it |"
    lines = [head, "|" + "---|" * (4 + len(report))]
    for name, r in rows.items():
        lines.append(f"| {name} | {len(r['seeds'])} | " +
                     " | ".join(cell(r[f"after_{t}"]) for t in report) +
                     f" | {cell(r['task1_final'])} | {cell(r['just_learned'])} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--outdir", default="pm_runs")
    ap.add_argument("--data-dir", default=None, help="as for statmech-nn continual")
    ap.add_argument("--tasks", default="permuted-mnist")
    ap.add_argument("--n-tasks", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=2, help="epochs per task")
    ap.add_argument("--hidden", default="512,512")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--learners", default=",".join(LEARNERS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--figure", default=None, metavar="DIR",
                    help="also draw the continual-nets figure from the runs into DIR")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    learners = args.learners.split(",")
    unknown = set(learners) - set(LEARNERS)
    if unknown:
        ap.error(f"--learners: unknown {sorted(unknown)}; allowed {list(LEARNERS)}")
    Path(args.outdir).mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        # seed-major order: an interrupted table still has whole seeds for every learner
        jobs = [(lr, s) for s in seeds for lr in learners]
        with ThreadPoolExecutor(args.jobs) as ex:
            for _ in ex.map(lambda j: run_one(j[0], j[1], args), jobs):
                pass
    report = tuple(t for t in (5, 10) if t <= args.n_tasks) or (args.n_tasks,)
    rows = table(args.outdir, seeds, report)
    meta = dict(tasks=args.tasks, n_tasks=args.n_tasks, epochs=args.epochs, hidden=args.hidden,
                seeds=seeds)
    Path(args.outdir, "table.json").write_text(json.dumps(dict(settings=meta, rows=rows),
                                                          indent=1) + "\n")
    print(markdown(rows, report))
    if args.figure:
        figure(args.outdir, seeds, learners, Path(args.figure), args.tasks)
    return 0


def figure(outdir, seeds, learners, figdir, tasks):
    """The ``continual-nets`` figure drawn from this table's runs (learners with every seed)."""
    from statmech_nn.figures.recipes_continual import dataset_from_runs, plot_continual_nets
    runs = {lr: [_file(outdir, lr, s) for s in seeds] for lr in learners}
    runs = {lr: p for lr, p in runs.items() if all(f.exists() for f in p)}
    ds = dataset_from_runs(runs)
    figdir.mkdir(parents=True, exist_ok=True)
    for p in plot_continual_nets(ds, ds.attrs["note"], figdir, name=f"continual-nets-{tasks}"):
        print(f"[pm] wrote {p}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
