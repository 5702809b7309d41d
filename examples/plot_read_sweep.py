"""
Reading a sweep with xarray
===========================

A sweep writes an xarray Dataset to netCDF, one entry per parameter point, with the order
parameters, free energy, ``converged``, the residual and the provenance in the attributes.
Anything that reads netCDF (xarray, netCDF4, MATLAB, Julia) reads it back.
"""
import os
import tempfile

import matplotlib.pyplot as plt
import xarray as xr

from statmech_nn.sweep import parse_range, sweep

tiny = os.environ.get("STATMECH_NN_GALLERY") == "tiny"
n = 6 if tiny else 40
out = os.path.join(tempfile.mkdtemp(), "hopfield.nc")
if __name__ == "__main__":      # sweeps use a process pool: keep them under the main guard
    sweep("hopfield", alpha=parse_range("alpha", f"0.01:0.16:{n}"), T=parse_range("T", f"0.05:1.2:{n}"),
          level="rs", out=out, executor="serial", progress=False)

    ds = xr.open_dataset(out)
    print(ds)
    print("fraction converged:", float(ds["converged"].mean()))
    ds["m"].plot(x="alpha", y="T")
    plt.show()
