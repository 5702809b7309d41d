"""Executors: ``serial``, ``processes`` (local process pool, the default) and ``dask``
(dask.distributed: a scheduler address, a ``Client``, or a LocalCluster we start).

All three expose ``submit(fn, *args) -> future``, ``wait_first(futures) -> (done,
not_done)``, ``result(future)`` and ``close()``. One level of parallelism: workers
run with ``NUMBA_NUM_THREADS=1`` and single-threaded BLAS/OpenMP (set in the worker
environment before numpy/numba are imported).
"""
import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import threading
import time
import warnings

from ..core.errors import ParameterError

WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
}
EXECUTORS = ("serial", "processes", "dask")
_ENV_LOCK = threading.Lock()


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


@contextlib.contextmanager
def worker_environment():
    """Temporarily put WORKER_ENV into os.environ (inherited by spawned workers)."""
    with _ENV_LOCK:
        old = {k: os.environ.get(k) for k in WORKER_ENV}
        os.environ.update(WORKER_ENV)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _noop(_=None):
    return os.getpid()


PARENT_POLL = 0.2   # seconds between a worker's checks that its parent is alive


def watch_parent(parent, interval=PARENT_POLL):
    """In a worker process: exit as soon as the parent process ``parent`` (a pid) is gone.

    A SIGKILLed parent cannot shut its workers down, and orphaned workers would keep running
    (and keep the caller's stdout/stderr pipes open). The worker is re-parented when its
    parent dies, so ``os.getppid()`` changes; a daemon thread polls it and ends the process.
    The pid is passed in, because the parent may already be dead when this runs. (Linux's
    PR_SET_PDEATHSIG is not used: it fires when the parent *thread* that started the worker
    exits, which a pool created in a short-lived thread would do.)"""
    def poll():
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=poll, name="statmech-nn-parent-watch", daemon=True).start()
    # results carry their own converged flags; a worker's warnings would only interleave on the
    # caller's stderr, outside the one warning line the CLI allows
    warnings.simplefilter("ignore")
    return os.getpid()


class SerialExecutor:
    name = "serial"
    workers = 1

    def submit(self, fn, *args):
        f = cf.Future()
        try:
            f.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            f.set_exception(exc)
        return f

    def wait_first(self, futures):
        w = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return list(w.done), list(w.not_done)

    @staticmethod
    def result(f):
        return f.result()

    def close(self):
        pass


class ProcessExecutor(SerialExecutor):
    """A spawn-context process pool (no fork: safe with threads in the parent)."""
    name = "processes"

    def __init__(self, workers=None):
        self.workers = int(workers or available_cores())
        if self.workers < 1:
            raise ParameterError(f"workers={workers!r} must be >= 1")
        self.pool = None

    def _start(self):
        with worker_environment():
            self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                               initializer=watch_parent, initargs=(os.getpid(),))
            # all workers are launched at the first submit (spawn context): do it now,
            # while the worker environment is in place
            try:
                list(self.pool.map(_noop, range(self.workers)))
            except cf.process.BrokenProcessPool:
                # typical cause: a script without an ``if __name__ == "__main__":`` guard (spawned
                # workers re-import the main module) or code fed on stdin. Results do not depend
                # on the executor, so running serially is safe; say so once.
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = False
                warnings.warn("the process pool could not start (put sweeps of a script under "
                              "`if __name__ == \"__main__\":`, or pass executor='serial'); "
                              "running this sweep serially", RuntimeWarning, stacklevel=4)

    def submit(self, fn, *args):
        if self.pool is None:
            self._start()
        if self.pool is False:
            return SerialExecutor.submit(self, fn, *args)
        return self.pool.submit(fn, *args)

    def close(self):
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


def _set_worker_env(parent_pid=None):
    if os.getpid() != parent_pid:  # never touch the caller's own process (threaded workers)
        os.environ.update(WORKER_ENV)
    return os.getpid()


class DaskExecutor:
    """dask.distributed: ``scheduler='tcp://host:port'``, ``client=Client(...)`` or a
    LocalCluster of ``workers`` single-threaded worker processes."""
    name = "dask"

    def __init__(self, scheduler=None, client=None, workers=None, timeout=3.0):
        try:
            import distributed
        except ImportError:
            raise ParameterError("the dask executor needs the optional dependency "
                                 "dask[distributed]: pip install 'statmech_nn[dask]'") from None
        self._distributed = distributed
        self._own = []
        if client is not None:
            self.client = client
        elif scheduler is not None:
            addr = str(scheduler)
            if "://" not in addr:
                addr = "tcp://" + addr
            try:
                self.client = distributed.Client(addr, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ParameterError(f"dask scheduler {scheduler} does not answer "
                                     f"(waited {timeout:g} s): {exc}") from None
            self._own.append(self.client)
        else:
            n = int(workers or available_cores())
            # the workers end when this process dies: distributed's worker processes exit when
            # the pipe to their parent closes (tested with a SIGKILLed sweep)
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               dashboard_address=None, env=dict(WORKER_ENV))
            self.client = distributed.Client(cluster, set_as_default=False)
            self._own += [self.client, cluster]
        try:
            info = self.client.scheduler_info()
            self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        except Exception:  # pragma: no cover
            self.workers = 1
        # best effort for existing clusters; numba reads it at import (see docs/sweeps.md)
        with contextlib.suppress(Exception):
            self.client.run(_set_worker_env, os.getpid())

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_first(self, futures):
        with self.client.as_current():
            w = self._distributed.wait(futures, return_when="FIRST_COMPLETED")
        return list(w.done), list(w.not_done)

    @staticmethod
    def result(f):
        return f.result()

    def close(self):
        for obj in self._own:
            with contextlib.suppress(Exception):
                obj.close()
        self._own = []


def make_executor(executor=None, workers=None, scheduler=None, client=None):
    if client is not None or scheduler is not None:
        if executor not in (None, "dask"):
            raise ParameterError(f"a scheduler/client needs executor='dask', not {executor!r}")
        executor = "dask"
    executor = executor or "processes"
    if hasattr(executor, "submit") and hasattr(executor, "wait_first"):
        return executor  # a reusable executor object (closed by its owner)
    if executor not in EXECUTORS:
        raise ParameterError(f"executor={executor!r} is not one of {', '.join(EXECUTORS)}")
    if workers is not None and int(workers) < 1:
        raise ParameterError(f"workers={workers!r} must be an integer >= 1")
    if executor == "serial":
        return SerialExecutor()
    if executor == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler=scheduler, client=client, workers=workers)
