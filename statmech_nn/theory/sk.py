r"""Sherrington-Kirkpatrick model at RS and 1RSB, any temperature including T = 0.

Convention: H = -sum_{i<j} J_ij s_i s_j - h sum_i s_i,  J_ij ~ N(0, 1/N) i.i.d., Ising s_i,
T = 1/beta multiplies H; f, e, s per spin.  In the p-spin engine
(:mod:`statmech_nn.theory.pspin`) this is the mixture xi(q) = q^2/2 with no
ferromagnetic signal, so

RS:   A = ln 2 + E_z ln cosh(beta (h + sqrt(q) z)) + beta^2 (1-q)^2 / 4,  q = E tanh^2;
      paramagnet (h = 0, T >= 1): f = -T ln 2 - 1/(4T) exactly; T_c = 1.
      T = 0: e = -sqrt(2/pi) (h = 0), entropy -1/(2 pi).
AT line (replicon): lambda = beta^2 E_z sech^4(beta (h + sqrt(q) z)); RS stable iff lambda < 1.
1RSB: Parisi's one-step functional with (q0, q1, x); the physical solution is the minimum
      of A = -beta f over (q0, q1, x), hence f_RS <= f_1RSB.  At h = 0 it has q0 > 0:
      T = 0 ground state e = -0.765259 at q0 = 0.4768, y = beta x = 1.3608 (imposing q0 = 0
      gives the wrong, lower -0.768828; the package compares both and keeps the minimum of A).
"""
import numpy as np

from ..core.errors import ParameterError
from ..core.result import make_result
from ..core.typed import Line, PhaseLines
from ..core.solver import bisect
from .base import Param, TheoryModel
from .contract import Contract, Point
from .pspin import PSpinEngine, solve_rs, solve_states
from .rsb.models import K_LEVELS, batch, krsb_result, sk_point

CONVENTION = ("SK: H = -sum_{i<j} J_ij s_i s_j - h sum_i s_i, J_ij ~ N(0, 1/N); T = 1/beta; "
              "f, e, s per spin")


def paramagnet_free_energy(T):
    """Exact f = -T ln 2 - 1/(4T) of the h = 0 paramagnet (the thermodynamic state for T >= 1)."""
    T = np.asarray(T, float)
    return -T * np.log(2.0) - 1.0 / (4.0 * T)


class SK(TheoryModel):
    """Sherrington-Kirkpatrick spin glass (RS, 1RSB; T = 0 analytic)."""

    contract = Contract(
        points=(Point(dict(T=0.5)), Point(dict(T=0.5, h=0.3)), Point(dict(T=2.0)),
                Point(dict(T=0.5), level="1rsb")),
        zero_T=(Point(dict(T=0)), Point(dict(T=0), level="1rsb")))

    def __init__(self):
        super().__init__(
            name="sk", levels=("rs", "1rsb") + K_LEVELS + ("frsb",), convention=CONVENTION,
            params=(Param("h", "external field along +1 (default 0)", default=0.0),))
        self.engine = PSpinEngine((2,), 2)

    def _prm(self, beta, h):
        beta, h = np.broadcast_arrays(np.asarray(beta, float), np.asarray(h, float))
        beta, h = beta.ravel(), h.ravel()
        return {"beta": beta, "a0": np.zeros_like(beta), "h": h, "c2": np.full_like(beta, 0.5)}

    @staticmethod
    def _label(out):
        """SK phases: 'spin-glass' where RS is unstable (replicon > 1) or 1RSB is broken,
        else 'paramagnet' (with a field, q > 0 above the AT line is still paramagnetic)."""
        glass = (np.asarray(out["replicon"]) > 1.0) | np.asarray(out.get("broken", False), bool)
        return np.where(glass, "spin-glass", "paramagnet").astype(object)

    @staticmethod
    def _no_glass(prm):
        """h = 0 and T >= 1: no glass (the SK transition is continuous at T_c = 1, where the RS glass
        solution appears); skips a futile 1RSB search from the paramagnet."""
        return (prm["h"] == 0) & (prm["beta"] <= 1.0)

    @staticmethod
    def _check_branch(branch):
        if branch not in (None, "spin-glass", "paramagnet"):
            raise ParameterError(f"branch={branch!r} is not available for sk; "
                                 "choose spin-glass or paramagnet (or none: the thermodynamic state)")

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        """Vectorised :meth:`solve`: arrays T (or beta) and h broadcast; see base.py."""
        level = self.check_level(level)
        self._check_branch(branch)
        arrays = self.check_arrays(arrays)
        beta = np.asarray(arrays["beta"], float)
        shape = np.broadcast_shapes(beta.shape, np.shape(arrays["h"]))
        prm = self._prm(np.broadcast_to(beta, shape), np.broadcast_to(arrays["h"], shape))
        if level not in ("rs", "1rsb"):
            # k-step / full RSB (theory/rsb): the RS state decides where RS is stable (T > 0)
            rs = solve_states(self.engine, prm, level="rs", branch=branch, signal=False, init=init)
            rows = [{kk: np.asarray(v)[i] for kk, v in rs.items()} for i in range(beta.size if shape else 1)]
            n = int(np.prod(shape)) if shape else 1
            return batch(lambda i: sk_point(self.engine, {kk: v[i:i + 1] for kk, v in prm.items()}, level,
                                            rows[i]), shape, n, level)
        out = solve_states(self.engine, prm, level=level, branch=branch, signal=False, init=init,
                           no_glass_rsb=self._no_glass(prm))
        out["branch"] = self._label(out)
        keys = ["m", "q"] if level == "rs" else ["m", "q0", "q1", "x", "y"]
        res = {k: out[k].reshape(shape) for k in keys}
        # C = lim beta (1 - q1) at T = 0 (NaN at T > 0); broken: a genuinely broken 1RSB saddle
        for k in ("free_energy", "energy", "entropy", "replicon", "residual", "converged",
                  "iterations", "branch", "C", "broken"):
            res[k] = np.asarray(out[k]).reshape(shape)
        return res

    def point_result(self, level, branch, p, o):
        """One saddle point. ``T=0`` uses the analytic ground-state forms.

        RS order parameters: m, q (T = 0: q = 1 and C = beta(1-q)); 1RSB: m, q0, q1, x, y = beta x
        (T = 0: q1 = 1, x = 0, y finite).  ``stability['replicon']`` is the AT eigenvalue
        beta^2 xi''(q1) E sech^4 (RS stable when < 1; inf at T = 0 where RS is unstable)."""
        if level not in ("rs", "1rsb"):
            return krsb_result("sk", level, p, o, CONVENTION)
        if level == "rs":
            ops = {"m": o["m"], "q": o["q"]}
            if np.isinf(p["beta"]):
                ops["C"] = o["C"]
        else:
            ops = {"m": o["m"], "q0": o["q0"], "q1": o["q1"], "x": o["x"], "y": o["y"]}
            if np.isinf(p["beta"]):
                ops["C"] = o["C"]
        msg = "" if level == "rs" or o["broken"] else "1RSB minimum is the RS point (no broken solution lowers A)"
        return make_result("sk", level, p, ops, o["free_energy"], o["energy"], o["entropy"], o["converged"],
                           o["residual"], o["iterations"],
                           stability={"replicon": o["replicon"], "rs_stable": bool(o["replicon"] < 1)},
                           branch=str(o["branch"]), message=msg, convention=CONVENTION)

    def at_temperature(self, h):
        """de Almeida-Thouless temperature T_AT(h): beta^2 E sech^4(beta(h + sqrt(q) z)) = 1 on the
        RS solution (bisection in T; T_AT(0) = 1)."""
        h = float(h)
        if h == 0.0:
            return 1.0

        def unstable(T):
            prm = self._prm(1.0 / T, h)
            s = solve_rs(self.engine, prm, np.zeros(1), np.array([0.5]))
            if not s["converged"][0]:
                raise RuntimeError(f"SK RS saddle not converged at T={T}, h={h} (AT line search)")
            return bool(s["replicon"][0] > 1.0)
        return bisect(unstable, 1e-3, 1.0, tol=1e-9)

    def phase_lines(self, level="rs", h=None, **params):
        """AT line T_AT(h) (the RS instability; at 1RSB the same line bounds the RS region) and
        the h = 0 critical temperature T_c = 1: PhaseLines with the Line ``at_line`` in the (h, T)
        plane (the arrays are also under the keys ``h`` and ``T_AT``)."""
        level = self.check_level(level)
        h = np.linspace(0.0, 1.0, 11) if h is None else np.atleast_1d(np.asarray(h, float))
        T_at = np.array([self.at_temperature(v) for v in h])
        return PhaseLines(at_line=Line(coords=("h", "T"), h=h, T=T_at), h=h, T_AT=T_at, T_c=1.0,
                          level=level, convention=CONVENTION)
