"""Sweep executors: the same 10^4-point sweep serially, with local processes and on a
2-worker Dask LocalCluster; wall time and points/s for each.

Workload (chosen so that per-point work dominates scheduling overhead): the P = 3
curie-weiss ferromagnet followed by continuation along T on a 100 (h) x 100 (T) grid,
i.e. 10^4 *sequential* single-point Newton solves (each warm-started from the previous
T), grouped into 100 lines that run in parallel. Output is persisted to netCDF as in
real use (per-block files + atomic final write); the cache is off. The goal is >= 1.6x
the serial rate on 2 cores. ``control_speedup_trivially_parallel`` (measured before and
after) is what a pure-CPU embarrassingly parallel job gets from 2 processes at that moment:
on a machine shared with other jobs it drops towards 1, and the executors' wall-clock
speedups with it; ``cpu_seconds`` shows each executor's overhead regardless. Dask cluster start-up is reported separately (a user's
cluster is usually already running); the process pool's start-up is included.
"""
import tempfile
import time
from pathlib import Path

import numpy as np


def _grid(quick):
    n_h, n_T = (100, 100) if quick else (200, 100)
    return dict(P=3, h=np.linspace(-0.05, 0.05, n_h), T=np.linspace(0.02, 0.3, n_T))


def _cpu():
    """CPU seconds of this process and its reaped children (pool workers after shutdown).
    Under contention from other jobs, wall-clock speedups are pessimistic; CPU seconds per
    point show the overhead of each executor independently of the machine's load."""
    import resource
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _control(n=20_000_000):
    """Speedup a trivially parallel pure-CPU job gets from 2 processes on this machine right
    now: ~2 on 2 idle cores, ~1 on a saturated machine (then no executor can do better)."""
    import multiprocessing as mp
    t0 = time.perf_counter()
    sum(range(n))
    sum(range(n))
    serial = time.perf_counter() - t0
    with mp.get_context("spawn").Pool(2) as pool:  # builtins: picklable from any module
        pool.map(sum, [range(10), range(10)])  # start-up excluded
        t0 = time.perf_counter()
        pool.map(sum, [range(n), range(n)])
        par = time.perf_counter() - t0
    return round(serial / par, 2)


def _warm_worker():
    """Import and exercise the solver once in a worker (what a long-lived cluster has done)."""
    from statmech_nn.theory import get_model
    get_model("curie-weiss").solve(P=3, h=0.0, T=0.5)
    return True


def run(quick=True):

    from statmech_nn.sweep import Sweep, executors
    axes = _grid(quick)
    points = len(axes["h"]) * len(axes["T"])
    # one line (100 sequential single-point solves) per block: per-point work, not one batch
    common = dict(branch="ferromagnet", continuation=True, cache=False, quiet=True,
                  block_points=len(axes["T"]), **axes)
    out = {"model": "curie-weiss (P=3, branch ferromagnet, continuation along T)",
           "points": points, "lines": len(axes["h"]), "cores": executors.available_cores()}
    results = {}
    out["control_speedup_trivially_parallel"] = _control()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def timed(label, **kw):
            s = Sweep("curie-weiss", out=tmp / f"{label}.nc", **common, **kw)
            c0 = _cpu()
            t0 = time.perf_counter()
            ds = s.run()
            dt = time.perf_counter() - t0
            results[label] = ds
            out[label] = {"seconds": round(dt, 3), "points_per_s": round(points / dt, 1),
                          "cpu_seconds": round(_cpu() - c0, 2)}
            return dt

        timed("serial", executor="serial")
        timed("processes", executor="processes", workers=2)
        try:
            import distributed
            t0 = time.perf_counter()
            cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=None, env=dict(executors.WORKER_ENV))
            client = distributed.Client(cluster, set_as_default=False)
            startup = time.perf_counter() - t0
            try:
                c0 = _cpu()
                timed("dask", client=client)
                out["dask"]["cluster_startup_seconds"] = round(startup, 3)
                # a long-lived cluster has warm workers (imports done): time that case too
                t1 = time.perf_counter()
                client.run(_warm_worker)
                warm = time.perf_counter() - t1
                timed("dask_warm", client=client)
                out["dask_warm"]["worker_warmup_seconds"] = round(warm, 3)
            finally:
                client.close()
                cluster.close()
            # worker processes are reaped at close: count their CPU time too
            out["dask"]["cpu_seconds"] = round(_cpu() - c0, 2)
        except ImportError:
            out["dask"] = {"skipped": "dask[distributed] not installed"}
        ref = results["serial"]
        for k in ("processes", "dask", "dask_warm"):
            if k in results:
                out[k]["speedup_vs_serial"] = round(out["serial"]["seconds"] / out[k]["seconds"], 2)
                out[k]["bit_identical_to_serial"] = bool(ref.identical(results[k]))
        out["goal"] = ">= 1.6x serial rate on 2 cores"
        out["control_speedup_trivially_parallel_after"] = _control()
        import os
        out["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    return out


if __name__ == "__main__":
    import json
    import sys
    print(json.dumps(run(quick="--full" not in sys.argv), indent=2))
