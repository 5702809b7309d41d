"""One look for every figure: theory as lines, MC as points with error bars,
phase regions shaded and named, the convention in the caption."""
import contextlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_STATE = {"pdf": False}

RC = {
    "figure.figsize": (5.2, 3.9), "figure.dpi": 110, "savefig.dpi": 150,
    "axes.grid": True, "grid.alpha": 0.25, "axes.spines.top": False, "axes.spines.right": False,
    "font.size": 9.5, "legend.fontsize": 8, "legend.frameon": False, "lines.linewidth": 1.6,
}
THEORY = {"rs": dict(ls="-"), "1rsb": dict(ls="--"), "exact": dict(ls=":", color="k")}
PHASE_COLORS = {"retrieval": "#cfe8cf", "spin-glass": "#f3d9b1", "paramagnet": "#dde6f5",
                "mixed": "#eadcf0"}


@contextlib.contextmanager
def context(pdf=False):
    old = _STATE["pdf"]
    _STATE["pdf"] = pdf
    try:
        with plt.rc_context(RC):
            yield
    finally:
        _STATE["pdf"] = old


def new(nrows=1, ncols=1, **kw):
    return plt.subplots(nrows, ncols, constrained_layout=True, **kw)


def mc_points(ax, x, mean, err, **kw):
    kw.setdefault("fmt", "o")
    kw.setdefault("ms", 3.5)
    kw.setdefault("capsize", 2)
    return ax.errorbar(x, mean, yerr=err, **kw)


def caption(fig, text):
    """Convention/caption line under the axes."""
    # below the figure's bottom edge: save() uses bbox_inches="tight", so it never overlaps a label
    fig.text(0.01, -0.01, text, fontsize=7, color="0.3", ha="left", va="top", wrap=True)


def save(fig, outdir, name):
    """Write ``name.png`` (and ``name.pdf`` with --pdf); returns the paths."""
    paths = [outdir / f"{name}.png"]
    fig.savefig(paths[0], bbox_inches="tight", pad_inches=0.08)
    if _STATE["pdf"]:
        paths.append(outdir / f"{name}.pdf")
        fig.savefig(paths[1], bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return paths


def save_data(ds, outdir, name):
    """Write the xarray Dataset behind a figure as ``name.nc`` (atomic), with the package version
    (theory variables carry their provenance: ``figures.provenance.stamp``)."""
    from .. import __version__
    from ..sweep.store import write_atomic
    ds.attrs.setdefault("package", "statmech_nn")
    ds.attrs["package_version"] = __version__
    return write_atomic(ds, outdir / f"{name}.nc")
