r"""One rule for the physical state: classify the saddle points a model found, then select.

Every family (hopfield, dense-hebbian and sk through the p-spin engine, curie-weiss, the dense
learning models, perceptron-teacher) solves its stationarity equations from several named starts
and hands the solutions here; this module alone decides which one is the thermodynamic state.
(perceptron-storage has one RS saddle per point, so nothing to select; the low/high-R choice of
perceptron-field is still its own and is to move here.)

Classification (one set of thresholds, used everywhere)
-------------------------------------------------------
``M_THR``
    ``abs(m)`` (Mattis overlap, archetype overlap n, magnetisation) above it: a condensed saddle
    ('retrieval'); Newton converges to ``abs(m) < 1e-11`` on the m = 0 subspace, and a genuine m
    drops below 1e-4 only within ~1e-8 of a continuous transition.
``Q_THR``
    q above it (with m ~ 0): 'spin-glass', else 'paramagnet'.
``BROKEN_EPS``
    a 1RSB saddle is genuinely broken when q1 - q0 > eps and eps < x < 1 - eps (T = 0: q0 < 1 - eps
    and y = beta x > eps); otherwise it is the RS point.
``F_TIE``
    free energies closer than this are equal.  Within a sector such a tie is one saddle reached
    from two starts: the smaller residual, then the earlier candidate, is kept.  Across sectors the
    larger entropy, then the earlier candidate, wins (at T = 0 this is the T -> 0+ limit of
    f = e - T s).
``REPLICON_TOL``
    the paramagnet is unstable when its replicon exceeds 1 + tol.

The selection rule (applied once, per parameter point)
------------------------------------------------------
1. *Within a sector the physical saddle maximises f over the glassy order parameters*
   (q; q0, q1, x at 1RSB).  The replica limit n -> 0 turns the minimum over the n(n-1)/2
   overlaps into a maximum; Guerra's interpolation bound makes it rigorous for SK and the
   even p-spin mixtures: for every trial q0 <= q1, x in [0, 1],

       -beta f_true = A_true <= A_1RSB(q0, q1, x)   and   A_1RSB <= A_RS(q)  (x = 1 or q0 = q1),

   so f_RS <= f_1RSB <= f_true: of the stationary points of one sector the one with the largest
   f is the best bound and the physical one.  Examples: in the m = 0 sector of the Hopfield
   model the spin glass (q > 0) beats the paramagnet (q = 0) wherever both exist
   (1 < T < T_g = 1 + sqrt(alpha)); a broken 1RSB saddle beats the RS one.  The m = 0 sector is
   the *glassy sector*: every m = 0 candidate of a model with a condensed order parameter, and
   every candidate of a model without one (SK, with or without a field).
2. *Between sectors the lowest f wins.*  The condensed order parameter m is not glassy: a
   retrieval saddle and the m = 0 state are macroscopically distinct states (a maximum of the
   pressure along m), and the Gibbs measure concentrates on the one with the lowest f
   (f_R < f_SG is the AGS global-retrieval line T_c).  Every condensed candidate (and every
   candidate of a model whose order parameters are all non-glassy, e.g. curie-weiss or the
   low/high-R branches of the teacher-student perceptron) is its own sector.
3. *A solution unstable in its sector's own direction is never the answer.*  A paramagnet
   (m = q = 0) whose replicon lambda exceeds 1 (AGS: lambda = alpha beta^2/(1 - beta)^2 > 1
   for T < 1 + sqrt(alpha); SK: lambda = beta^2) sits at a minimum of f along q, so a q > 0
   saddle of higher f exists there; if the model did not find it, the point has no valid state
   and is reported ``converged: false`` (never the unstable paramagnet as an answer).

Where no candidate is valid the candidate with the smallest residual is returned, flagged
unconverged.  Models that fill the contract (``theory/base.py``) call :func:`select` (batched)
or :func:`select_rows` (one point, rows of dicts); :func:`run_starts` runs the Newton solves of
several named starts as one batched call.
"""
from dataclasses import dataclass

import numpy as np

from ..core.solver import solve_fixed_point

M_THR = 1e-4
Q_THR = 1e-6
BROKEN_EPS = 1e-7
F_TIE = 1e-13
REPLICON_TOL = 1e-9

GLASSY = "glassy"          # label of the shared (m = 0) sector
BRANCHES = ("retrieval", "spin-glass", "paramagnet")


def classify(m, q, condensed=True):
    """Branch names from the solution: 'retrieval' (``abs(m) > M_THR``, if the model has a condensed
    order parameter), else 'spin-glass' (q > Q_THR) or 'paramagnet'. Object array of str."""
    m, q = np.broadcast_arrays(np.asarray(m, float), np.asarray(q, float))
    name = np.where(q > Q_THR, "spin-glass", "paramagnet").astype(object)
    if condensed:
        name = np.where(np.abs(m) > M_THR, "retrieval", name)
    return name


def condensed(m):
    """True where ``abs(m) > M_THR`` (a condensed, e.g. retrieval, saddle)."""
    return np.abs(np.asarray(m, float)) > M_THR


def is_broken(q0, q1=None, x=None, y=None, zero_T=False, converged=True):
    """True where a 1RSB saddle is genuinely broken (not on the RS manifold x = 1 or q0 = q1).

    Finite T: q1 - q0 > BROKEN_EPS and BROKEN_EPS < x < 1 - BROKEN_EPS.  T = 0 (q1 = 1, x = 0
    with y = beta x finite): q0 < 1 - BROKEN_EPS and y > BROKEN_EPS.  ``zero_T`` may be an array
    (mixed batches); x (finite T) and y (T = 0) are needed where they apply."""
    q0 = np.asarray(q0, float)
    zt = np.broadcast_to(np.asarray(zero_T, bool), q0.shape)
    out = np.broadcast_to(np.asarray(converged, bool), q0.shape).copy()
    with np.errstate(invalid="ignore"):
        if zt.any():
            yy = np.broadcast_to(np.asarray(y, float), q0.shape)
            out &= ~zt | ((q0 < 1.0 - BROKEN_EPS) & (yy > BROKEN_EPS))
        if (~zt).any():
            xx = np.broadcast_to(np.asarray(x, float), q0.shape)
            q1 = np.broadcast_to(np.asarray(q1, float), q0.shape)
            out &= zt | ((q1 - q0 > BROKEN_EPS) & (xx < 1.0 - BROKEN_EPS) & (xx > BROKEN_EPS))
    return out


def glassy_better(f_new, f_old):
    """Rule 1 between two stationary points of one sector: the new one wins if its f is larger."""
    return np.asarray(f_new) > np.asarray(f_old) + F_TIE


def sector_unstable(m, q, replicon):
    """Rule 3: a paramagnet (m = q = 0) with replicon > 1 is unstable along q."""
    para = np.asarray(classify(m, q)) == "paramagnet"
    with np.errstate(invalid="ignore"):
        return para & (np.asarray(replicon, float) > 1.0 + REPLICON_TOL)


@dataclass
class Selection:
    """Outcome of :func:`select` for a batch of n points.

    ``index`` (n,) the chosen candidate (where no candidate is valid: the one with the smallest
    residual); ``found`` (n,) whether a valid candidate exists; ``excluded`` (n,) whether an
    unstable paramagnet was set aside (rule 3); ``sector`` (n,) the chosen sector label."""
    index: np.ndarray
    found: np.ndarray
    excluded: np.ndarray
    sector: np.ndarray

    def take(self, sols, keys=None):
        """Values of the chosen candidates: dict of (n,) arrays (``converged`` False where none
        was valid). ``sols``: the candidates' solution dicts, in the order given to select."""
        keys = list(sols[0]) if keys is None else list(keys)
        out = {}
        for k in keys:
            if not all(k in s for s in sols):
                continue
            stack = np.stack([np.asarray(s[k]) for s in sols])
            out[k] = np.take_along_axis(stack, self.index[None], 0)[0]
        if "converged" in out:
            out["converged"] = np.asarray(out["converged"], bool) & self.found
        return out


def _sector_labels(name, sol, has_condensed, distinct, key):
    n = np.size(sol["free_energy"])
    if distinct:
        return np.full(n, name, dtype=object)
    if "sector" in sol:
        return np.broadcast_to(np.asarray(sol["sector"], dtype=object), (n,))
    if not has_condensed:
        return np.full(n, GLASSY, dtype=object)
    return np.where(condensed(sol[key]), name, GLASSY).astype(object)


def select(cands, has_condensed=True, distinct=False, condensed_key="m"):
    """Apply the selection rule (module docstring) to candidates ``[(name, sol), ...]``.

    Each ``sol`` is a dict of flat (n,) arrays with at least ``free_energy`` and ``converged``;
    ``condensed_key`` (default ``m``, when ``has_condensed``), ``q`` (or ``q1``) and ``replicon``
    enable rules 1-3; ``entropy`` breaks ties; ``residual`` picks the fallback.  Sectors: the
    glassy one (every m = 0 candidate, or every candidate without ``has_condensed``) and one per
    condensed candidate, named after it; an optional ``sector`` array overrides the labels
    (candidates sharing a label are stationary points of one sector: rule 1 applies to them).
    ``distinct=True``: every candidate is its own sector (models without glassy order
    parameters).  Returns a :class:`Selection`."""
    n = np.size(cands[0][1]["free_energy"])
    k = len(cands)
    F = np.stack([np.asarray(s["free_energy"], float).reshape(n) for _, s in cands])
    S = np.stack([np.asarray(s.get("entropy", np.full(n, np.nan)), float).reshape(n) for _, s in cands])
    S = np.nan_to_num(S, nan=-np.inf)
    ok = np.stack([np.asarray(s["converged"], bool).reshape(n) for _, s in cands]) & np.isfinite(F)
    sect = np.stack([_sector_labels(name, s, has_condensed, distinct, condensed_key) for name, s in cands])
    unstable = np.zeros((k, n), bool)
    for i, (_, s) in enumerate(cands):
        q = s.get("q", s.get("q1"))
        if not distinct and "replicon" in s and q is not None:
            m = s[condensed_key] if has_condensed else np.zeros(n)
            unstable[i] = sector_unstable(m, q, s["replicon"]) & ok[i]
    excluded = unstable.any(0)
    ok &= ~unstable
    R = np.stack([np.asarray(s.get("residual", np.full(n, np.inf)), float).reshape(n) for _, s in cands])
    R = np.where(np.isfinite(R), R, np.inf)
    # rule 1: within a sector only its largest f is eligible; ties are one saddle reached from
    # two starts: the better-converged (smaller residual), then the earlier, candidate is kept
    eligible = ok.copy()
    for i in range(k):
        for j in range(k):
            if i != j:
                tie = np.abs(F[j] - F[i]) <= F_TIE
                first = (R[j] < R[i]) | ((R[j] == R[i]) & (j < i))
                beaten = ok[j] & (sect[j] == sect[i]) & (glassy_better(F[j], F[i]) | (tie & first))
                eligible[i] &= ~beaten
    # rule 2: lowest f across sectors; ties: larger entropy, then the earlier candidate
    best = np.full(n, -1)
    bf = np.full(n, np.inf)
    bs = np.full(n, -np.inf)
    for i in range(k):
        with np.errstate(invalid="ignore"):
            tie = np.abs(F[i] - bf) <= F_TIE
            win = (F[i] < bf - F_TIE) | (tie & (S[i] > bs + F_TIE))
        take = eligible[i] & ((best < 0) | win)
        best = np.where(take, i, best)
        bf = np.where(take, F[i], bf)
        bs = np.where(take, S[i], bs)
    found = best >= 0
    if not found.all():
        best = np.where(found, best, np.argmin(R, 0))
    sector = np.take_along_axis(sect, best[None], 0)[0]
    return Selection(index=best, found=found, excluded=excluded, sector=sector)


def select_rows(rows, has_condensed=True, distinct=False, condensed_key="m", names=None):
    """:func:`select` for one parameter point whose candidates are dicts of scalars (extra keys
    are ignored). Returns (index of the chosen row, Selection)."""
    names = names or [str(r.get("start", i)) for i, r in enumerate(rows)]
    keys = {"free_energy", "converged", "entropy", "residual", "q", "q1", "replicon", "sector", condensed_key}
    def arr(k, v):
        return np.array([v], dtype=object if k == "sector" else bool if k == "converged" else float)
    cands = [(nm, {k: arr(k, v) for k, v in r.items() if k in keys}) for nm, r in zip(names, rows)]
    sel = select(cands, has_condensed=has_condensed, distinct=distinct, condensed_key=condensed_key)
    return int(sel.index[0]), sel


def message(sel, i=0):
    """Human-readable note on the selection at point ``i`` ('' when nothing to say)."""
    if sel.found[i]:
        return ("the paramagnet is unstable (replicon > 1): not a candidate" if sel.excluded[i] else "")
    if sel.excluded[i]:
        return ("no valid state: the paramagnet is unstable (replicon > 1) and no spin-glass saddle "
                "converged")
    return "no candidate saddle converged"


def run_starts(F, starts, p, **solver_kw):
    """Newton solves of several named starts as one batched call.

    ``starts``: {name: x0 of shape (n_var, n)}; ``p``: parameter arrays of shape (n,) (shared by
    every start).  Columns are independent in :func:`core.solver.solve_fixed_point`, so this is
    the same as one call per start.  Returns {name: FixedPointResult restricted to that start}."""
    names = list(starts)
    x0 = np.concatenate([np.asarray(starts[k], float) for k in names], axis=1)
    sizes = [np.asarray(starts[k]).shape[1] for k in names]
    pp = {k: (np.tile(np.asarray(v), len(names)) if np.ndim(v) else v) for k, v in p.items()}
    r = solve_fixed_point(F, x0, pp, **solver_kw)
    out, a = {}, 0
    for k, s in zip(names, sizes):
        out[k] = type(r)(x=r.x[:, a:a + s], residual=r.residual[a:a + s], converged=r.converged[a:a + s],
                         iterations=r.iterations[a:a + s])
        a += s
    return out
