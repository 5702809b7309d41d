"""Sweeps: solve_grid, determinism across executors (serial / processes / a real dask
LocalCluster), cache, persistence errors."""
import os
import time

import numpy as np
import pytest
import xarray as xr

from statmech_nn.core.errors import ParameterError
from statmech_nn.sweep import Sweep, make_executor, parse_range, status, sweep
from statmech_nn.sweep.store import ENGINE
from statmech_nn.theory import get_model
from statmech_nn.theory.grid import solve_grid

H = np.linspace(-0.1, 0.1, 4)
T = np.linspace(0.05, 1.2, 12)
CW_AXES = dict(P=3, h=H, T=T)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STATMECH_NN_CACHE", str(tmp_path / "cache"))


def noisy(x, y, seed):
    """A stochastic per-point function (importable, for the process/dask executors)."""
    rng = np.random.default_rng(seed)
    return {"mean": x * y + rng.normal(), "n": int(rng.integers(0, 1000)), "ok": bool(x > 0)}


def _load(path):
    return xr.load_dataset(path, engine=ENGINE)


# ---- ranges ----------------------------------------------------------------------------
def test_parse_range():
    np.testing.assert_array_equal(parse_range("alpha", "0.01:0.16:40"), np.linspace(0.01, 0.16, 40))
    assert parse_range("T", "0.5") == 0.5
    np.testing.assert_array_equal(parse_range("T", "0.1,0.2"), [0.1, 0.2])
    assert parse_range("T", "0.3:0.3:1").tolist() == [0.3]
    for bad in ["0:0.2:0", "0:0.2", "a:1:3", "0:1:2.5", "0:1:-3", "0.1:0.2:1", "nan", "", "1:2:3:4"]:
        with pytest.raises(ParameterError, match="T="):
            parse_range("T", bad)


# ---- grid --------------------------------------------------------------------------------
def test_solve_grid_dataset_and_continuation():
    ds = solve_grid("curie-weiss", **CW_AXES)
    assert ds["m"].dims == ("h", "T") and ds["m"].shape == (4, 12)
    assert ds.attrs["model"] == "curie-weiss" and ds.attrs["level"] == "rs"
    assert "tol" in ds.attrs["solver"] and ds.attrs["package_version"]
    assert float(ds["P"]) == 3 and ds["converged"].all()
    cw = get_model("curie-weiss")
    r = cw.solve(P=3, h=float(H[1]), T=float(T[5]))
    assert float(ds["free_energy"][1, 5]) == pytest.approx(r.free_energy, abs=1e-13)
    # following the ferromagnet by continuation in T reaches beyond the thermodynamic transition
    c = solve_grid("curie-weiss", branch="ferromagnet", continuation="T", P=3, h=0.0,
                   T=np.linspace(0.05, 0.3, 11))
    cold = solve_grid("curie-weiss", P=3, h=0.0, T=np.linspace(0.05, 0.3, 11))
    assert c.attrs["continuation"] == "T"
    assert (c["m"] > 0.5).sum() > (cold["m"] > 0.5).sum()
    with pytest.raises(ParameterError, match="continuation"):
        solve_grid("curie-weiss", continuation="alpha", P=3, T=T)


# ---- executors ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None, host="127.0.0.1", protocol="tcp://")
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def pool():
    ex = make_executor("processes", workers=2)
    yield ex
    ex.close()


def test_executors_bit_identical(tmp_path, dask_client, pool):
    env_before = {k: os.environ.get(k) for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS")}
    kw = dict(branch="ferromagnet", continuation=True, cache=False, quiet=True, block_points=12, **CW_AXES)
    sweep("curie-weiss", executor="serial", out=tmp_path / "s.nc", **kw)
    sweep("curie-weiss", executor="processes", workers=2, out=tmp_path / "p.nc", **kw)
    sweep("curie-weiss", client=dask_client, out=tmp_path / "d.nc", **kw)
    s, p, d = (_load(tmp_path / f) for f in ("s.nc", "p.nc", "d.nc"))
    xr.testing.assert_identical(s, p)
    xr.testing.assert_identical(s, d)
    assert dask_client.scheduler.address.startswith("tcp://127.0.0.1")
    # in-process (threaded) dask workers: the caller's environment is not modified
    assert {k: os.environ.get(k) for k in env_before} == env_before
    assert s.attrs["sweep_complete"] == 1 and "sweep_done" not in s
    assert not (tmp_path / "s.nc.parts").exists()
    # two lines per block: continuation vectorised over the lines, same numbers
    two = sweep("curie-weiss", executor="serial", **{**kw, "block_points": 24})
    for k in ("m", "free_energy"):
        np.testing.assert_allclose(two[k].values, s[k].values, rtol=0, atol=1e-13)
    assert (two["branch"].values == s["branch"].values).all()
    # no continuation, blocks smaller than a line: still identical
    kw = dict(cache=False, quiet=True, block_points=5, **CW_AXES)
    a = sweep("curie-weiss", executor="serial", **kw)
    b = sweep("curie-weiss", executor=pool, **kw)
    xr.testing.assert_identical(a, b)
    np.testing.assert_array_equal(a["m"].values, solve_grid("curie-weiss", **CW_AXES)["m"].values)


def test_stochastic_sweep_seeds_independent_of_executor(tmp_path, dask_client, pool):
    axes = dict(x=np.linspace(0, 1, 5), y=np.array([1.0, 2.0, 3.0]))
    kw = dict(seed=1234, cache=False, quiet=True, block_points=2, **axes)
    a = sweep(noisy, executor="serial", **kw)
    b = sweep(noisy, executor=pool, **kw)
    c = sweep(noisy, client=dask_client, **kw)
    xr.testing.assert_identical(a, b)
    xr.testing.assert_identical(a, c)
    # per-point seed = SeedSequence(seed).spawn(n)[flat index]
    kids = np.random.SeedSequence(1234).spawn(15)
    i = np.ravel_multi_index((3, 1), (5, 3))
    ref = noisy(x=0.75, y=2.0, seed=kids[i])
    assert float(a["mean"][3, 1]) == ref["mean"] and int(a["n"][3, 1]) == ref["n"]
    assert a["ok"].dtype == bool
    # per-point seeds: the numbers do not depend on the block layout either
    lay = sweep(noisy, executor="serial", **{**kw, "block_points": 6})
    np.testing.assert_array_equal(lay["mean"].values, a["mean"].values)
    other = sweep(noisy, executor="serial", **{**kw, "seed": 99})
    assert not np.array_equal(other["mean"].values, a["mean"].values)


def test_dead_scheduler_clear_error_nothing_written(tmp_path):
    out = tmp_path / "x.nc"
    t0 = time.perf_counter()
    with pytest.raises(ParameterError, match="does not answer"):
        sweep("curie-weiss", scheduler="tcp://127.0.0.1:9", out=out, cache=False, **CW_AXES)
    assert time.perf_counter() - t0 < 10
    assert list(tmp_path.iterdir()) == [] or not any(p.name.startswith("x.nc") for p in tmp_path.iterdir())


def test_dask_missing_is_a_clear_error(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ParameterError, match="dask"):
        sweep("curie-weiss", executor="dask", cache=False, **CW_AXES)


# ---- cache -----------------------------------------------------------------------------
def test_cache_hit_costs_nothing(tmp_path):
    s1 = Sweep("curie-weiss", executor="serial", out=tmp_path / "a.nc", quiet=True, **CW_AXES)
    ds1 = s1.run()
    assert s1.stats["computed"] == 48 and not s1.stats["cached"]
    assert len(list((tmp_path / "cache" / "sweeps").glob("*.nc"))) == 1
    s2 = Sweep("curie-weiss", executor="serial", out=tmp_path / "b.nc", quiet=True, **CW_AXES)
    ds2 = s2.run()
    assert s2.stats["cached"] and s2.stats["computed"] == 0
    xr.testing.assert_identical(ds1, ds2)
    xr.testing.assert_identical(_load(tmp_path / "a.nc"), _load(tmp_path / "b.nc"))
    # other solver-relevant input -> other key; --no-cache recomputes
    s3 = Sweep("curie-weiss", executor="serial", quiet=True, **{**CW_AXES, "P": 4})
    s3.run()
    assert s3.stats["computed"] == 48
    s4 = Sweep("curie-weiss", executor="serial", quiet=True, cache=False, **CW_AXES)
    s4.run()
    assert s4.stats["computed"] == 48 and s4.fingerprint == s1.fingerprint != s3.fingerprint


def test_corrupt_cache_entry_reported(tmp_path):
    s = Sweep("curie-weiss", executor="serial", quiet=True, **CW_AXES)
    s.run()
    entry = tmp_path / "cache" / "sweeps" / f"{s.fingerprint}.nc"
    entry.write_bytes(b"\x89HDF garbage")
    with pytest.raises(ParameterError, match="cache"):
        Sweep("curie-weiss", executor="serial", quiet=True, **CW_AXES).run()
    # a valid file of another sweep under this key is refused too
    other = Sweep("curie-weiss", executor="serial", quiet=True, cache=False, **{**CW_AXES, "P": 5})
    xr_ds = other.run()
    xr_ds.to_netcdf(entry, engine=ENGINE)
    with pytest.raises(ParameterError, match="another sweep"):
        Sweep("curie-weiss", executor="serial", quiet=True, **CW_AXES).run()


# ---- persistence errors and resume bookkeeping -------------------------------------------
def test_mismatched_or_corrupt_output_refused(tmp_path):
    out = tmp_path / "d.nc"
    sweep("curie-weiss", executor="serial", out=out, cache=False, quiet=True, **CW_AXES)
    before = out.read_bytes()
    with pytest.raises(ParameterError, match="another sweep.*P"):
        sweep("curie-weiss", executor="serial", out=out, cache=False, **{**CW_AXES, "P": 4})
    with pytest.raises(ParameterError, match="another sweep"):
        sweep("curie-weiss", executor="serial", out=out, cache=False, level="rs",
              **{**CW_AXES, "T": T[:-1]})
    assert out.read_bytes() == before
    bad = tmp_path / "bad.nc"
    bad.write_text("not a netcdf file")
    with pytest.raises(ParameterError, match="corrupt"):
        sweep("curie-weiss", executor="serial", out=bad, cache=False, **CW_AXES)
    assert bad.read_text() == "not a netcdf file"
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(foreign, engine=ENGINE)
    with pytest.raises(ParameterError, match="not written by a statmech_nn sweep"):
        sweep("curie-weiss", executor="serial", out=foreign, cache=False, **CW_AXES)


def test_partial_file_and_parts_resume(tmp_path):
    """Resume from a partial main file plus block files, as left by a crash."""
    out = tmp_path / "r.nc"
    full = sweep("curie-weiss", executor="serial", cache=False, quiet=True, **CW_AXES)
    s = Sweep("curie-weiss", executor="serial", out=out, cache=False, quiet=True, flush_seconds=0,
              block_points=12, **CW_AXES)
    blocks = s.blocks()
    from statmech_nn.sweep.store import NetCDFStore, build_dataset
    from statmech_nn.sweep.tasks import run_block
    store = NetCDFStore(out, s.fingerprint, s.spec)
    arrays, done = {}, np.zeros(s.shape, bool)
    for b in blocks[:2]:
        s._place(arrays, done, b, run_block(s.task, b)[1])
    store.flush(build_dataset(s.dims, s.fixed, arrays, s.attrs(), done=done))
    store.save_block(blocks[2], run_block(s.task, blocks[2])[1])
    assert status(out) == {"done": 24, "total": 48, "block_files": 1}
    ds = s.run()
    assert s.stats["resumed"] == 36 and s.stats["computed"] == 12
    for k in full.data_vars:
        np.testing.assert_array_equal(ds[k].values, full[k].values)
    xr.testing.assert_identical(_load(out), ds)
    assert status(out)["done"] == 48 and not (tmp_path / "r.nc.parts").exists()
    # rerunning a finished sweep computes nothing
    s2 = Sweep("curie-weiss", executor="serial", out=out, cache=False, quiet=True, block_points=12, **CW_AXES)
    s2.run()
    assert s2.stats["computed"] == 0


def test_bad_sweep_inputs(tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter"):
        sweep("curie-weiss", executor="serial", cache=False, alpha=np.linspace(0, 1, 3), T=0.5)
    with pytest.raises(ParameterError, match="P"):
        sweep("curie-weiss", executor="serial", cache=False, P=np.array([1.0, 2.0]), T=0.5)
    with pytest.raises(ParameterError, match="at least one axis"):
        sweep("curie-weiss", executor="serial", cache=False, P=2, T=0.5)
    with pytest.raises(ParameterError, match="executor"):
        sweep("curie-weiss", executor="mpi", cache=False, **CW_AXES)
    with pytest.raises(ParameterError, match="unknown model"):
        sweep("ising-on-mars", executor="serial", cache=False, **CW_AXES)
    with pytest.raises(ParameterError, match="fast axis"):
        sweep("curie-weiss", executor="serial", cache=False, fast="alpha", **CW_AXES)
    with pytest.raises(ParameterError, match="block_points"):
        sweep("curie-weiss", executor="serial", cache=False, block_points=0, **CW_AXES)
    with pytest.raises(ParameterError, match="workers"):
        sweep("curie-weiss", executor="processes", workers=0, cache=False, **CW_AXES)


def test_hopfield_sweep_serial_equals_processes(tmp_path, pool):
    kw = dict(cache=False, quiet=True, alpha=np.array([0.02, 0.1]), T=np.array([0.2, 0.6]))
    a = sweep("hopfield", executor="serial", **kw)
    b = sweep("hopfield", executor=pool, **kw)
    xr.testing.assert_identical(a, b)
    assert a.attrs["model"] == "hopfield" and a["converged"].values.mean() > 0.5


def worker_env(x):
    """Reports the worker's thread settings and whether it is a child process."""
    import os as _os
    return {"numba": int(_os.environ.get("NUMBA_NUM_THREADS", "-1")),
            "omp": int(_os.environ.get("OMP_NUM_THREADS", "-1")), "pid": _os.getpid()}


def test_process_workers_single_threaded(pool):
    before = os.environ.get("NUMBA_NUM_THREADS")
    ds = sweep(worker_env, executor=pool, cache=False, quiet=True, block_points=1,
               x=np.arange(6.0))
    assert os.getpid() not in ds["pid"].values.tolist()  # every block ran in a worker
    assert (ds["numba"] == 1).all() and (ds["omp"] == 1).all()
    assert os.environ.get("NUMBA_NUM_THREADS") == before  # the parent's environment is untouched


def test_progress_bar(capsys):
    sweep("curie-weiss", executor="serial", cache=False, progress=True, block_points=12, **CW_AXES)
    err = capsys.readouterr().err
    assert "48/48" in err and "pt/s" in err
    sweep("curie-weiss", executor="serial", cache=False, quiet=True, **CW_AXES)
    assert capsys.readouterr().err == ""


def test_zarr_store_region_writes_and_resume(tmp_path, pool):
    pytest.importorskip("zarr")
    import zarr
    kw = dict(cache=False, quiet=True, **CW_AXES)
    ref = sweep("curie-weiss", executor="serial", **kw)
    out = tmp_path / "d.zarr"
    ds = sweep("curie-weiss", executor=pool, out=out, block_points=24, **kw)
    for k in ref.data_vars:
        np.testing.assert_array_equal(ds[k].values, ref[k].values)
    assert status(out) == {"done": 48, "total": 48, "block_files": 0}
    # forget two lines, as if killed: only they are recomputed, result identical
    g = zarr.open_group(str(out), mode="r+")
    d = g["sweep_done"][:]
    d[2:] = False
    g["sweep_done"][:] = d
    g.attrs["sweep_complete"] = 0
    s = Sweep("curie-weiss", executor="serial", out=out, block_points=24, **kw)
    xr.testing.assert_identical(ds, s.run())
    assert s.stats["computed"] == 24 and s.stats["resumed"] == 24
    with pytest.raises(ParameterError, match="another sweep"):
        sweep("curie-weiss", executor="serial", out=out, **{**kw, "P": 4})
