"""
How many examples does a dense network need?
============================================

Supervised dense Hebbian learning from M noisy examples of quality r per archetype: the
archetype overlap m as M grows (exact binomial law), and the learning threshold M_c at a
finite load, the smallest M for which a retrieval state exists.
"""
import matplotlib.pyplot as plt
import numpy as np

from statmech_nn.theory import get_model

sup = get_model("dense-hebbian-supervised")
Ms = np.unique(np.geomspace(1, 60, 12).astype(int))
m = [sup.solve(P=4, alpha=0, T=0, r=0.3, M=int(M)).order_parameters["m"] for M in Ms]

threshold = sup.threshold(alpha=0.02, r=0.3, P=4)
print("M_c at alpha = 0.02, r = 0.3:", threshold["M_c"])

plt.semilogx(Ms, m, "o-")
plt.xlabel("examples per archetype M")
plt.ylabel("archetype overlap m (alpha = 0, T = 0)")
plt.show()
