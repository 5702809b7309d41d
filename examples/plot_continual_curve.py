"""
Forgetting in continual learning
================================

Two binary teachers with overlap r0 learned one after the other in field space; the second task is
a Franz–Parisi potential with the first task's solution as prior and reference. The forgetting
error eps1 on task 1 and the learning error eps2 on task 2, as the task-2 load alpha2 grows.
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from statmech_nn.theory import get_model

tiny = os.environ.get("STATMECH_NN_GALLERY") == "tiny"
cont = get_model("continual")
alpha2 = np.linspace(0.25, 2.0, 3 if tiny else 8)
res = [cont.solve(alpha1=1.0, alpha2=a, r0=0.0, gamma=1.0, T=0.05) for a in alpha2]

plt.plot(alpha2, [r["eps1"] for r in res], "o-", label="eps1 (task 1, forgetting)")
plt.plot(alpha2, [r["eps2"] for r in res], "s-", label="eps2 (task 2)")
plt.xlabel("alpha2")
plt.ylabel("generalisation error")
plt.legend()
plt.show()
