"""
A dense Hebbian phase diagram
=============================

The (alpha, T) phase diagram of the P = 4 dense Hebbian network at replica symmetry: the
retrieval spinodal, the line where retrieval becomes the global minimum, and the AT line of
the retrieval state. Loads are quoted as alpha (P - 1)!.
"""
import os

import matplotlib.pyplot as plt

from statmech_nn.theory import get_model

tiny = os.environ.get("STATMECH_NN_GALLERY") == "tiny"
P = 4
lines = get_model("dense-hebbian").phase_lines(level="rs", P=P, n_rays=4 if tiny else 16,
                                                r_points=8 if tiny else 48)

for name in ("retrieval_spinodal", "retrieval_global", "at_retrieval"):
    alpha, T = lines[name]["alpha"], lines[name]["T"]
    plt.plot(alpha * 6, T, label=name.replace("_", " "))   # (P - 1)! = 6
plt.xlabel("alpha (P-1)!")
plt.ylabel("T")
plt.legend()
plt.show()
