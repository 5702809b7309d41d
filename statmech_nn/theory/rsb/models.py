r"""k-RSB and full RSB of the registered models, point by point (used by sk.py, dense.py,
hopfield.py for ``level='2rsb'``, ``'3rsb'``, ..., ``'frsb'``).

Each point starts from the model's own 1RSB solution of each sector (retrieval, m = 0) and climbs
to k steps by level insertion (:mod:`.solve`); within a sector the k-RSB saddle is the Parisi
one (the minimum of A = -beta f over the glass parameters for the Ising models, the largest f
for Hopfield), between sectors the lowest f wins (:mod:`statmech_nn.theory.states`, rule 2).
Where a k-RSB search collapses onto fewer levels the k-RSB value is the (k-1)-RSB one
(``collapsed``).  Rows carry the Parisi staircase as scalars q0..qk, x1..xk, y1..yk (the netCDF
of a phase diagram stores them as variables).
"""
import math

import numpy as np

from .frsb import full_rsb, k_sequence
from .ising import KRSB
from .solve import insert_starts, rs_starts, solve_from_starts

#: the k-step levels the models accept, and full RSB
K_LEVELS = tuple(f"{k}rsb" for k in range(2, 9))
FRSB_KMAX = 7


def level_k(level):
    """'rs' -> 0, '1rsb' -> 1, '<k>rsb' -> k, 'frsb' -> 'frsb'."""
    level = str(level).lower()
    if level == "rs":
        return 0
    if level == "frsb":
        return "frsb"
    return int(level[:-3])


def _row(k, m, q, y, beta, zero_T, f, e, s, lam, conv, res, branch, collapsed, extra=None):
    row = {"m": float(m), "free_energy": float(f), "energy": float(e), "entropy": float(s),
           "replicon": float(lam), "converged": bool(conv), "residual": float(res), "iterations": 0,
           "branch": branch, "collapsed": bool(collapsed), "k": k}
    qf = np.asarray(q, float).ravel()
    yy = np.asarray(y, float).ravel()
    for l, v in enumerate(qf):
        row[f"q{l}"] = float(v)
    for l, v in enumerate(yy, start=1):
        row[f"y{l}"] = float(v)
        row[f"x{l}"] = 0.0 if zero_T else float(v / beta)
    row.update(extra or {})
    return row


def climb(engine, prm, k, m, q, y, zero_T, signal):
    """From a k0-RSB state (q: its breakpoints without q_k = 1 at T = 0, y: k0 exponents; k0 = 0
    is RS with q the RS overlap) to k steps by level insertion.  Returns the last solve dict (with
    ``collapsed`` where no genuine k-RSB minimum was found) or None."""
    beta = np.asarray(prm["beta"], float)
    k0 = y.shape[0]
    prev, out = None, None
    for kk in range(k0 + 1, k + 1):
        if kk == 1:
            starts = rs_starts(m, q[0] if q.shape[0] else np.ones(1), beta, engine.xi(1.0, prm, 1), zero_T)
        else:
            starts = insert_starts(m, q, y, beta, zero_T)
        keep = None
        if signal:
            keep = lambda m0, m1: (np.abs(m1 - m0) < 0.2) & (m1 * m0 > 0)
        out = solve_from_starts(engine, prm, kk, starts, zero_T, fix_m=not signal, previous=prev, keep_m=keep)
        if out["collapsed"][0] and prev is not None:
            return prev
        if not out["converged"][0]:
            return prev
        m, q, y = out["m"], out["q"], out["y"]
        prev = out
    return out


def ising_point(engine, prm, k, state, zero_T, signal):
    """k-RSB (k int) of one sector of an Ising model from its 1RSB ``state`` (dict m, q0, q1, x, y,
    broken).  Returns (m, q staircase incl. q_k, y, f, e, s, replicon, residual, collapsed)."""
    beta = np.asarray(prm["beta"], float)
    m = np.array([state["m"]])
    if state.get("broken", True):
        q = np.array([[state["q0"]]]) if zero_T else np.array([[state["q0"]], [state["q1"]]])
        y = np.array([[state["y"]]])
    else:   # the 1RSB minimum is the RS point: climb from RS
        q = np.array([[state.get("q1", state.get("q", 1.0))]])
        y = np.zeros((0, 1))
    out = climb(engine, prm, k, m, q, y, zero_T, signal)
    if out is None:
        # no genuine (k0+1)-RSB minimum: the k-RSB value is the given lower-k state
        qf = [state["q0"]] + ([] if zero_T else [state["q1"]])
        qf = qf + [qf[-1]] * (k + 1 - len(qf)) if not zero_T else [state["q0"]] * k + [1.0]
        yy = [state["y"]] * k
        return (float(state["m"]), np.array(qf), np.array(yy), float(state["free_energy"]),
                float(state["energy"]), float(state["entropy"]), float(state["replicon"]),
                float(state["residual"]), True)
    K = KRSB(engine, out["k"])
    qf = K.full_q(out["q"], zero_T)[:, 0]
    return (float(out["m"][0]), qf, out["y"][:, 0], float(out["free_energy"][0]), float(out["energy"][0]),
            float(out["entropy"][0]), float(out["replicon"][0]), float(out["residual"][0]),
            bool(out["k"] < k or out["collapsed"][0]))


# ---- SK ------------------------------------------------------------------------------------------

def sk_point(engine, prm, level, rs_row):
    """k-RSB / full RSB of SK at one point (``prm`` arrays of size 1); ``rs_row``: the model's RS
    state there (m, q, replicon).  Where RS is stable (replicon <= 1, T > 0) it is the Parisi
    solution and is returned for every k."""
    k = level_k(level)
    beta = float(prm["beta"][0])
    zero_T = not np.isfinite(beta)
    if not zero_T and rs_row["replicon"] <= 1.0:
        kk = FRSB_KMAX if k == "frsb" else k
        return _row(k, rs_row["m"], [rs_row["q"]] * (kk + 1), [beta] * kk, beta, zero_T, rs_row["free_energy"],
                    rs_row["energy"], rs_row["entropy"], rs_row["replicon"], rs_row["converged"],
                    rs_row["residual"], "paramagnet", True)
    if k == "frsb":
        r = full_rsb(engine, prm, zero_T, kmax=FRSB_KMAX)
        last = r["sequence"][-1]
        return _row("frsb", last["m"], last["q"], last["y"], beta, zero_T, r["free_energy"],
                    r["free_energy"] if zero_T else last["energy"], last["entropy"], last["replicon"],
                    r["converged"], last["gradient"], "spin-glass", False,
                    {"free_energy_error": r["free_energy_error"], "k_max": FRSB_KMAX,
                     "free_energy_kmax": last["free_energy"]})
    seq = k_sequence(engine, prm, k, zero_T)
    s = seq[-1]
    return _row(k, s["m"], s["q"], s["y"], beta, zero_T, s["free_energy"], s["energy"], s["entropy"],
                s["replicon"], s["converged"], s["gradient"], "spin-glass", False)


# ---- dense Hebbian -------------------------------------------------------------------------------

def dense_point(model, P, alpha, beta, level):
    """k-RSB thermodynamic state of the dense model at one point: both sectors climbed from their
    1RSB states, the m = 0 sector exactly a paramagnet below the static transition b_s."""
    from ..pspin import pspin_glass_constants
    k = level_k(level)
    if k == "frsb":
        from ...core.errors import ParameterError
        raise ParameterError("level='frsb' is not available for dense-hebbian (use 2rsb ... 8rsb)")
    zero_T = not np.isfinite(beta)
    E = model.engine(P)
    prm = model.prm(P, np.array([beta]), np.array([alpha]))
    rows = []
    for branch in ("retrieval", "spin-glass"):
        s1 = model.solve_batch(level="1rsb", branch=branch, P=P, alpha=np.array([alpha]), beta=np.array([beta]))
        st = {kk: (v.reshape(-1)[0] if isinstance(v, np.ndarray) else v) for kk, v in s1.items()}
        if not st["converged"] or st["branch"] != branch:
            continue
        b = beta * math.sqrt(alpha / math.factorial(P)) if not zero_T else np.inf
        if branch == "spin-glass" and b <= pspin_glass_constants(P)["b_s"]:
            continue
        if not st["broken"] and (zero_T or st["replicon"] <= 1.0):
            r = (st["m"], [st["q1"]] * (k + 1), [beta] * k, st["free_energy"], st["energy"], st["entropy"],
                 st["replicon"], st["residual"], True)
        else:
            r = ising_point(E, prm, k, st, zero_T, signal=(branch == "retrieval"))
            if r is None:
                continue
        rows.append((branch, r))
    if not zero_T:     # the paramagnet (exact; the m = 0 state above b_s)
        f_para = -(math.log(2.0) / beta + beta * alpha / (2.0 * math.factorial(P)))
        fP = math.factorial(P)
        rows.append(("paramagnet", (0.0, [0.0] * (k + 1), [beta] * k, f_para, -alpha * beta / fP,
                                    math.log(2.0) - beta ** 2 * alpha / (2.0 * fP), 0.0, 0.0, True)))
    if not rows:
        return None
    # m = 0 sector: its largest f (rule 1); then the lowest f between sectors (rule 2)
    zero = [r for r in rows if r[0] != "retrieval"]
    cands = [r for r in rows if r[0] == "retrieval"]
    if zero:
        cands.append(max(zero, key=lambda r: r[1][3]))
    branch, (m, q, y, f, e, s, lam, res, col) = min(cands, key=lambda r: r[1][3])
    return _row(k, m, q, y, beta, zero_T, f, e, s, lam, True, res, branch, col)


# ---- Hopfield ------------------------------------------------------------------------------------

def hopfield_point(model, alpha, beta, level):
    """k-RSB thermodynamic state of the Hopfield model at one point (retrieval and m = 0 sectors
    climbed from the model's 1RSB states at fixed alpha; the paramagnet exact)."""
    from .hopfield import climb_fixed_alpha
    k = level_k(level)
    if k == "frsb":
        from ...core.errors import ParameterError
        raise ParameterError("level='frsb' is not available for hopfield (use 2rsb ... 8rsb)")
    zero_T = not np.isfinite(beta)
    rows = []
    for branch in ("retrieval", "spin-glass", "paramagnet"):
        s1 = model.solve_batch(level="1rsb", branch=branch, alpha=np.array([alpha]), beta=np.array([beta]))
        st = {kk: (v.reshape(-1)[0] if isinstance(v, np.ndarray) else v) for kk, v in s1.items()}
        if not st["converged"] or st["branch"] != branch:
            continue
        if zero_T:   # c = lim beta (1 - q1) from r0 = q0/D0^2 and D1 = D0 + y (1 - q0)
            c1 = 1.0 - (math.sqrt(st["q0"] / st["r0"]) + st["y"] * (1.0 - st["q0"])) if st["r0"] > 0 else 0.5
        else:
            c1 = beta * (1 - st["q1"])
        if st.get("rsb", False):
            X1 = np.array([st["m"], st["q0"], c1, st["y"]])
            X, th, kr = climb_fixed_alpha(k, alpha, beta, X1, fixm=0.0 if branch == "retrieval" else 1.0)
        else:
            th, kr = None, 1
        if th is None:     # the 1RSB state itself (RS point or no genuine k-RSB)
            q = [st["q0"]] + [st["q1"]] * k
            rows.append((branch, (st["m"], q, [st["y"]] * k, st["free_energy"], st["energy"], st["entropy"],
                                  st.get("replicon_rs", np.nan), st["residual"], True)))
            continue
        rows.append((branch, (float(X[0]), th["q"][:, 0], th["y"][:, 0], float(th["free_energy"][0]),
                              float(th["energy"][0]), float(th["entropy"][0]), float(th["replicon"][0]),
                              0.0, kr < k)))
    if not rows:
        return None
    zero = [r for r in rows if r[0] != "retrieval"]
    cands = [r for r in rows if r[0] == "retrieval"]
    if zero:
        cands.append(max(zero, key=lambda r: r[1][3]))
    branch, (m, q, y, f, e, s, lam, res, col) = min(cands, key=lambda r: r[1][3])
    return _row(k, m, q, y, beta, zero_T, f, e, s, lam, True, res, branch, col)


def batch(point_fn, shape, n, level):
    """Assemble rows (list of dicts, some None) into solve_batch arrays of ``shape``."""
    k = level_k(level)
    kk = FRSB_KMAX if k == "frsb" else k
    rows = [point_fn(i) for i in range(n)]
    keys = ["m", "free_energy", "energy", "entropy", "replicon", "residual", "converged",
            "iterations", "branch", "collapsed"] + [f"q{l}" for l in range(kk + 1)] \
        + [f"x{l}" for l in range(1, kk + 1)] + [f"y{l}" for l in range(1, kk + 1)]
    if k == "frsb":
        keys += ["free_energy_error", "free_energy_kmax"]
    out = {}
    for key in keys:
        vals = [(r.get(key, np.nan) if r is not None else (False if key in ("converged", "collapsed")
                                                          else ("" if key == "branch" else np.nan)))
                for r in rows]
        if key == "branch":
            out[key] = np.array(vals, dtype=object).reshape(shape)
        elif key in ("converged", "collapsed"):
            out[key] = np.array(vals, bool).reshape(shape)
        elif key == "iterations":
            out[key] = np.zeros(shape, int)
        else:
            out[key] = np.array(vals, float).reshape(shape)
    return out


def krsb_result(model, level, params, o, convention):
    """SaddleResult of one k-RSB row: order parameters m, q0..qk, x1..xk (y1..yk = beta x at T = 0)
    and the staircase as arrays under ``parisi`` (q, x, y)."""
    from ...core.result import make_result
    ks = sorted(int(k[1:]) for k in o if k.startswith("q") and k[1:].isdigit())
    kk = ks[-1]
    ops = {"m": o["m"]}
    ops.update({f"q{l}": o[f"q{l}"] for l in range(kk + 1)})
    ops.update({f"x{l}": o[f"x{l}"] for l in range(1, kk + 1)})
    ops.update({f"y{l}": o[f"y{l}"] for l in range(1, kk + 1)})
    parisi = {"q": [float(o[f"q{l}"]) for l in range(kk + 1)],
              "x": [float(o[f"x{l}"]) for l in range(1, kk + 1)],
              "y": [float(o[f"y{l}"]) for l in range(1, kk + 1)]}
    msg = ""
    if o.get("collapsed"):
        msg = (f"{level}: the minimum has fewer distinct levels (RS-stable point, or the search collapsed "
               "onto the lower-k saddle, which is returned)")
    extra = {"parisi": parisi}
    if level == "frsb":
        extra.update(free_energy_error=float(o["free_energy_error"]), k_max=FRSB_KMAX,
                     free_energy_kmax=float(o["free_energy_kmax"]))
        msg = (f"full RSB: k-step RSB for k <= {FRSB_KMAX} extrapolated as k^-4 (error estimate "
               f"{o['free_energy_error']:.1e}); order parameters of k = {FRSB_KMAX}")
    return make_result(model, level, params, ops, o["free_energy"], o["energy"], o["entropy"],
                       o["converged"], o["residual"], o["iterations"],
                       stability={"replicon_innermost": o["replicon"]}, branch=str(o["branch"]),
                       message=msg, convention=convention, **extra)
