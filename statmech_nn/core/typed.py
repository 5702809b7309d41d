"""Typed results of the model contract beyond one saddle point: :class:`Capacity`,
:class:`Threshold` and :class:`PhaseLines` (named :class:`Line` objects of one shape).

All are dicts whose keys are also attributes (so ``cap["alpha_c"]`` and ``cap.alpha_c`` both
work) and serialise through the same ``to_dict()`` the CLI prints.
"""
import json

import numpy as np

from .result import AttrDict, SaddleResult, jsonable, make_result


class Capacity(SaddleResult):
    """A critical load and the saddle point at it.

    Always present: ``alpha_c`` (the critical load; models may add others, e.g. ``alpha_sp``,
    ``tau_c``), the state at ``alpha_c`` (``order_parameters``, ``free_energy``, ``energy``,
    ``entropy``, ``branch``), ``converged``, ``residual``, ``iterations``, ``message`` and
    ``params`` (the parameters at which alpha_c was computed)."""

    def __repr__(self):
        return (f"Capacity({self.get('model')}, {self.get('level')}: alpha_c={self.get('alpha_c')!r}, "
                f"converged={self.get('converged')})")


def make_capacity(*args, **kw):
    """:func:`core.result.make_result` returning a :class:`Capacity` (``alpha_c=`` required)."""
    if "alpha_c" not in kw:
        raise TypeError("a Capacity needs alpha_c")
    return make_result(*args, cls=Capacity, **kw)


class Threshold(AttrDict):
    """A threshold in a parameter other than the load (e.g. the learning threshold ``M_c``).

    Always present: ``converged`` and ``message``; the threshold itself under its physics name
    (``M_c``), the state there where defined (``m``, ``n``)."""

    __setattr__ = dict.__setitem__

    def to_dict(self):
        return jsonable(dict(self))


class Line(AttrDict):
    """One transition line: ``coords`` names two coordinate arrays of equal length (e.g.
    ``('alpha', 'T')``), ``converged`` one flag per point (default: both coordinates finite),
    plus optional per-point arrays or scalars (e.g. ``m`` at the fold, ``exact_T``)."""

    __setattr__ = dict.__setitem__

    def __init__(self, coords=("alpha", "T"), converged=None, **data):
        super().__init__(**data)
        self["coords"] = tuple(coords)
        x, y = (np.asarray(self[c], float) for c in self["coords"])
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(f"line coordinates {coords} must be 1-D arrays of one length, got "
                             f"{x.shape} and {y.shape}")
        self["converged"] = (np.isfinite(x) & np.isfinite(y)) if converged is None else \
            np.broadcast_to(np.asarray(converged, bool), x.shape).copy()

    def __len__(self):          # number of points (dict length is not meaningful here)
        return int(np.size(self[self["coords"][0]]))

    def to_dict(self):
        return jsonable(dict(self))


class PhaseLines(AttrDict):
    """Transition lines of a model: ``{name: Line}`` plus metadata entries (``level``,
    ``convention``, model-specific constants).  ``lines`` lists the Line entries;
    :meth:`to_dataset` gives one xarray Dataset (each line on its own point dimension)."""

    __setattr__ = dict.__setitem__

    @property
    def lines(self):
        return {k: v for k, v in self.items() if isinstance(v, Line)}

    def to_dict(self):
        return jsonable(dict(self))

    def to_dataset(self, prefix="", extras=True):
        """Variables ``<prefix><line>_<coord>``, ``..._converged`` and (``extras``) the other
        per-point arrays on the dimension ``<prefix><line>_point``; metadata in the attributes
        (JSON where not scalar)."""
        import xarray as xr
        data, attrs = {}, {}
        for name, line in self.lines.items():
            dim = f"{prefix}{name}_point"
            npts = len(line)
            for k, v in line.items():
                if k == "coords" or not (extras or k in line["coords"] or k == "converged"):
                    continue
                a = np.asarray(v)
                if a.ndim == 1 and a.size == npts and a.dtype.kind in "fiub":
                    data[f"{prefix}{name}_{k}"] = xr.DataArray(a.astype(float) if a.dtype.kind != "b" else a,
                                                               dims=dim)
                elif a.ndim == 0 and a.dtype.kind in "fiub":
                    attrs[f"{prefix}{name}_{k}"] = float(a)
        for k, v in self.items():
            if isinstance(v, Line):
                continue
            if isinstance(v, (str, int, float, np.integer, np.floating)):
                attrs[f"{prefix}{k}"] = v if isinstance(v, str) else float(v)
            else:
                attrs[f"{prefix}{k}"] = json.dumps(jsonable(v))
        return xr.Dataset(data, attrs=attrs)


def as_lines(d, coords=("alpha", "T"), meta=()):
    """PhaseLines from a dict ``{name: {coord: array, ...}, key: metadata}``: entries that hold
    both coordinate arrays become Lines (their other entries are kept), the rest metadata."""
    out = PhaseLines()
    for k, v in d.items():
        if isinstance(v, dict) and all(c in v for c in coords):
            out[k] = v if isinstance(v, Line) else Line(coords=coords, **v)
        else:
            out[k] = v
    return out
