"""
Hopfield: replica theory against Monte Carlo
============================================

The Mattis overlap m(T) of the Hopfield network at load alpha = K/N, from the RS saddle point
(retrieval branch) and from Metropolis Monte Carlo started on the pattern. Error bars come from
the integrated autocorrelation time.
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from statmech_nn import mc
from statmech_nn.theory import get_model

tiny = os.environ.get("STATMECH_NN_GALLERY") == "tiny"  # the test suite runs tiny sizes
N, sweeps, alpha = (100, 60, 0.05) if tiny else (1000, 1000, 0.05)

hop = get_model("hopfield")
T_theory = np.linspace(0.05, 1.1, 40)
m_theory = hop.solve_batch(level="rs", branch="retrieval", alpha=alpha, T=T_theory)["m"]

model = mc.hopfield(N=N, alpha=alpha, seed=1)
T_mc = np.linspace(0.2, 1.1, 4 if tiny else 8)
runs = [mc.Sampler(model, T=T, init="pattern", chains=2).sample(sweeps, seed=j)[0]
        for j, T in enumerate(T_mc)]
m_mc = [r["observables"]["m"] for r in runs]

plt.plot(T_theory, m_theory, label="RS theory")
plt.errorbar(T_mc, [o["mean"] for o in m_mc], [o["err"] for o in m_mc], fmt="o",
             label=f"MC, N={model.N}, K={model.K}")
plt.xlabel("T")
plt.ylabel("Mattis overlap m")
plt.legend()
plt.show()
