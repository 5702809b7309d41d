"""Structured data (MNIST-like images): empirical archetypes, effective quality r_eff, and
the random-data theory with r_eff as a reference.

* :func:`empirical_archetypes` -- sign of each class average of +-1 images; ties (a zero
  class average) are broken explicitly: ``tie=+1`` / ``-1`` or ``'random'`` (seeded);
* :func:`effective_quality` -- r_eff(c) = (1/(N n_c)) sum_a eta^a . xi^c over the class's images
  (the example-archetype overlap; for random data E r_eff = r) and rho_eff(M);
* :func:`synthetic_mnist_like` -- smooth random binary 'digits' (spatially correlated
  archetypes) and noisy copies as uint8 images, for tests and for figures when MNIST is absent;
* :func:`reconstruct` -- runs the supervised or unsupervised network (MC engine, T = 0 or
  T > 0) built from M examples per class, from a start state, and returns the final states
  and their overlaps with the empirical archetypes;
* :func:`m_vs_M_theory` -- the random-data RS curve m(M) at alpha = 0, T = 0 with r = r_eff.
"""
import numpy as np

from ..core.errors import ParameterError, check_int


def empirical_archetypes(images, labels, classes=None, tie=1, seed=0):
    """(C, N) int8 archetypes: sign of the class averages of +-1 images (n, N) or (n, h, w)."""
    X = np.asarray(images)
    X = X.reshape(len(X), -1).astype(np.int64)
    if not np.all(np.isin(X, (-1, 1))):
        raise ParameterError("images must be binarised to +-1 first (statmech_nn.data.idx.binarize)")
    labels = np.asarray(labels)
    classes = np.unique(labels) if classes is None else np.asarray(classes)
    out = np.zeros((len(classes), X.shape[1]), np.int8)
    g = np.random.default_rng(seed)
    for k, c in enumerate(classes):
        sel = X[labels == c]
        if len(sel) == 0:
            raise ParameterError(f"class {c} has no images")
        s = np.sign(sel.sum(0))
        zero = s == 0
        if tie == "random":
            s[zero] = g.choice([-1, 1], int(zero.sum()))
        elif tie in (1, -1):
            s[zero] = tie
        else:
            raise ParameterError("tie must be +1, -1 or 'random'")
        out[k] = s
    return out, classes


def effective_quality(images, labels, archetypes, classes):
    """r_eff per class: mean example-archetype overlap."""
    X = np.asarray(images).reshape(len(images), -1).astype(np.float64)
    labels = np.asarray(labels)
    N = X.shape[1]
    return np.array([float(np.mean(X[labels == c] @ archetypes[k].astype(np.float64)) / N)
                     for k, c in enumerate(classes)])


def synthetic_mnist_like(n_per_class, n_classes=10, side=28, r=0.6, seed=0, smooth=3.0):
    """uint8 images (n, side, side) in {0, 255}, labels, and the true binary archetypes.

    Archetypes: thresholded Gaussian-smoothed noise (spatially correlated 'strokes'),
    examples: each pixel of the archetype flipped with probability (1 - r)/2."""
    from scipy import ndimage
    n_per_class = check_int("n_per_class", n_per_class, lo=1)
    g = np.random.default_rng(np.random.SeedSequence(seed))
    arch = []
    for _ in range(n_classes):
        f = ndimage.gaussian_filter(g.standard_normal((side, side)), smooth)
        arch.append(np.where(f > np.median(f), 1, -1))
    arch = np.array(arch, np.int8)
    labels = np.repeat(np.arange(n_classes), n_per_class).astype(np.uint8)
    chi = np.where(g.random((len(labels), side, side)) < (1 + r) / 2, 1, -1)
    imgs = chi * arch[labels]
    return np.where(imgs > 0, 255, 0).astype(np.uint8), labels, arch.reshape(n_classes, -1)


def _subsample(X, labels, classes, M, seed):
    g = np.random.default_rng(seed)
    eta = []
    for c in classes:
        idx = np.nonzero(labels == c)[0]
        if len(idx) < M:
            raise ParameterError(f"class {c} has {len(idx)} images < M={M}")
        eta.append(X[g.choice(idx, M, replace=False)])
    return np.stack(eta, 1).transpose(2, 1, 0)      # (N, C, M)


def reconstruct(protocol, images, labels, M, P, archetypes=None, classes=None, T=0.0, sweeps=20,
                seed=0, start="archetype"):
    """Final network states (C, N) started on each class ('archetype' or a held-out
    'example'), for a network built from M examples per class; overlaps with archetypes."""
    from ..mc import Sampler
    from ..mc.models import weighted_patterns
    X = np.asarray(images).reshape(len(images), -1).astype(np.int8)
    labels = np.asarray(labels)
    if archetypes is None:
        archetypes, classes = empirical_archetypes(X, labels)
    eta = _subsample(X, labels, classes, M, seed)
    N, C, _ = eta.shape
    if protocol == "supervised":
        avg = eta.astype(np.float64).mean(-1)
        model = weighted_patterns(avg / np.sqrt(np.mean(avg ** 2, 0, keepdims=True)), P)
    else:
        R = float(np.mean(eta.astype(np.float64).mean(-1) ** 2))
        model = weighted_patterns(eta.reshape(N, C * M), P, weights=np.full(C * M, 1 / (M * R ** (P / 2))))
    g = np.random.default_rng(seed + 1)
    states = []
    for k, c in enumerate(classes):
        s0 = archetypes[k] if start == "archetype" else X[g.choice(np.nonzero(labels == c)[0])]
        _, st = Sampler(model, T=T, chains=1, init=np.asarray(s0, np.int8)).sample(sweeps, seed=seed + k)
        states.append(st.sig.reshape(-1, N)[0].copy())
    states = np.array(states)
    overlaps = states.astype(np.float64) @ archetypes.astype(np.float64).T / N
    return dict(states=states, overlaps=overlaps, m=np.diag(overlaps).copy(), classes=classes)


def m_vs_M_theory(r_eff, Ms, P=4, law="binomial"):
    """RS archetype overlap at alpha = 0, T = 0 (supervised) with quality r_eff."""
    from ..theory import get_model
    model = get_model("dense-hebbian-supervised")
    return np.array([model.solve(P=P, alpha=0, T=0, r=float(r_eff), M=int(M), law=law).order_parameters["m"]
                     for M in Ms])
