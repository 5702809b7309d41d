"""
A sweep on a Dask cluster
=========================

The same sweep call runs serially, on a local process pool or on a Dask cluster (a laptop
``LocalCluster`` here; a SLURM cluster from dask-jobqueue takes the same code). Results do not
depend on the executor.
"""
import os
import tempfile

import numpy as np

from statmech_nn.sweep import parse_range, sweep

tiny = os.environ.get("STATMECH_NN_GALLERY") == "tiny"
n = 4 if tiny else 30
if __name__ == "__main__":
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        out = os.path.join(tempfile.mkdtemp(), "cw.nc")
        ds = sweep("curie-weiss", P=3, h=0.0, T=parse_range("T", f"0.2:1.0:{n}"), out=out,
                   executor="dask", client=client, progress=False)
    serial = sweep("curie-weiss", P=3, h=0.0, T=parse_range("T", f"0.2:1.0:{n}"), executor="serial",
                   progress=False)
    print("identical to the serial sweep:", bool(np.array_equal(ds["m"].values, serial["m"].values)))
