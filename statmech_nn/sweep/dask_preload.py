"""dask worker preload for the LocalCluster the sweep starts: the worker ends as soon as the
process that started the cluster dies (its pid comes in ``STATMECH_NN_PARENT_PID``; see
:func:`statmech_nn.sweep.executors.watch_parent`). Runs at every worker start, restarts
included, before the worker takes any task."""
import os


def dask_setup(worker=None):
    from .executors import watch_parent
    pid = os.environ.get("STATMECH_NN_PARENT_PID")
    if pid:
        watch_parent(int(pid))
