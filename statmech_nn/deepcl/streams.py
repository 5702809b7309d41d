"""Task streams for continual learning: a list of :class:`Task` with shared input size and classes.

* ``synthetic_stream``: random teacher networks (no data needed; tests, CI, machines without
  MNIST). Task ``t`` draws latent coordinates ``s ~ N(0, I_d)`` (``d = latent_dim``) and shows
  the network ``x = A_t s`` in ``n_in`` dimensions, ``A_t`` a random Gaussian frame of its own
  (unit-variance components): every task lives in its own random ``d``-dimensional input
  subspace, as the permuted-MNIST tasks live on their own pixel arrangement, so that one
  network can in principle solve all tasks at once (tasks sharing one input distribution
  with independent teachers would contradict each other). The label is the argmax of a
  random teacher on ``s``: linear (``teacher_hidden=0``, default) or one hidden ReLU layer,
  centred so that the classes are roughly balanced.
* ``permuted_mnist``: one fixed seeded pixel permutation per task (task 1 permuted too),
  shared by its train and test sets; pixels scaled to [0, 1]. The permuted inputs are
  :class:`PermutedView` objects (permuted on access; one shared copy of the images).
* ``mnist_fashion``: MNIST then Fashion-MNIST (n_tasks = 2).
* ``permuted_digits``: scikit-learn's bundled 8x8 digits (1797 images, 64 inputs, no download;
  optional extra ``digits``), a seeded stratified train/test split, one fixed seeded pixel
  permutation per task with task 1 the identity; pixels scaled to [0, 1] (values 0..16 / 16),
  as for the MNIST streams. A small real-data stand-in where MNIST is not available.
* ``split_mnist``: digit pairs (0,1), (2,3), ..., one task per pair, shared two-unit head
  (label = digit - 2t: the "domain-incremental" protocol), n_tasks <= 5.

``make_stream(name, n_tasks, seed, data_dir=None, quick=False, **kw)`` dispatches by name.
Every random choice comes from ``numpy.random.SeedSequence(seed)``.
"""
from dataclasses import dataclass, field

import numpy as np

from ..core.budget import check_alloc
from ..core.errors import ParameterError, check_int, check_range
from ..data.idx import load_mnist

STREAMS = ("synthetic", "permuted-mnist", "mnist-fashion", "split-mnist", "permuted-digits")
DEFAULT_TASKS = {"synthetic": 5, "permuted-mnist": 5, "mnist-fashion": 2, "split-mnist": 5,
                 "permuted-digits": 5}
DIGITS_EXTRA = 'pip install -e ".[digits]"'   # scikit-learn, for the permuted-digits stream


class PermutedView:
    """Rows of ``base`` with columns permuted by ``perm``, built on access (no stored copy).

    Supports what the training loop needs: ``len``, ``shape``, ``ndim``, ``dtype``, row
    indexing (int, slice, index array) and ``numpy.asarray``. Ten permuted-MNIST tasks then
    share one copy of the images instead of holding ten (about 2 GB).
    """

    def __init__(self, base, perm):
        self.base, self.perm = base, np.asarray(perm)
        if self.perm.shape != (base.shape[1],):
            raise ParameterError("permutation length must equal the number of inputs")

    @property
    def shape(self):
        return self.base.shape

    @property
    def ndim(self):
        return 2

    @property
    def dtype(self):
        return self.base.dtype

    def __len__(self):
        return self.base.shape[0]

    def __getitem__(self, key):
        if isinstance(key, tuple):                  # general indexing: materialise
            return np.asarray(self)[key]
        return self.base[key][..., self.perm]

    def __array__(self, dtype=None, copy=None):
        a = self.base[:, self.perm]
        return a if dtype is None else a.astype(dtype)


@dataclass
class Task:
    name: str
    x_train: np.ndarray   # (n, n_in) float32
    y_train: np.ndarray   # (n,) int64
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_in(self):
        return self.x_train.shape[1]


@dataclass
class Stream:
    name: str
    tasks: list
    source: str = ""          # where the data came from (for captions and attrs)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        validate_tasks(self.tasks)

    @property
    def n_in(self):
        return self.tasks[0].n_in

    @property
    def n_classes(self):
        return max(t.n_classes for t in self.tasks)

    def __len__(self):
        return len(self.tasks)


def validate_tasks(tasks):
    """Every task: 2-D float inputs with one common input size, labels in range, same #classes."""
    if not tasks:
        raise ParameterError("a task stream needs at least one task")
    n_in = tasks[0].x_train.shape[1] if np.ndim(tasks[0].x_train) == 2 else None
    for t in tasks:
        for part in ("x_train", "x_test"):
            x = getattr(t, part)
            if np.ndim(x) != 2:
                raise ParameterError(f"task {t.name!r}: {part} must be 2-D (n, n_in), "
                                     f"got shape {np.shape(x)}")
            if x.shape[1] != n_in:
                raise ParameterError(f"mismatched input sizes in the task stream: task "
                                     f"{tasks[0].name!r} has {n_in} inputs but task {t.name!r} "
                                     f"{part} has {x.shape[1]}")
        for xp, yp in (("x_train", "y_train"), ("x_test", "y_test")):
            if len(getattr(t, yp)) != len(getattr(t, xp)):
                raise ParameterError(f"task {t.name!r}: {len(getattr(t, xp))} {xp} rows but "
                                     f"{len(getattr(t, yp))} labels")
        if len(t.y_train) == 0 or len(t.y_test) == 0:
            raise ParameterError(f"task {t.name!r} has an empty train or test set")
        ymax = max(int(np.max(t.y_train)), int(np.max(t.y_test)))
        if int(min(np.min(t.y_train), np.min(t.y_test))) < 0 or ymax >= t.n_classes:
            raise ParameterError(f"task {t.name!r}: labels must be in 0..{t.n_classes - 1}")
    if len({t.n_classes for t in tasks}) != 1:
        raise ParameterError("all tasks of a stream must have the same number of classes")
    return tasks


def _seeds(seed, n):
    return np.random.SeedSequence(int(seed)).spawn(n)


def synthetic_stream(n_tasks=5, n_in=64, n_classes=4, n_train=2000, n_test=1000,
                     latent_dim=8, teacher_hidden=0, seed=0):
    """Random-teacher tasks on random low-dimensional input subspaces (see module docstring)."""
    n_tasks = check_int("n_tasks", n_tasks, lo=1)
    n_in = check_int("n_in", n_in, lo=1)
    n_classes = check_int("n_classes", n_classes, lo=2)
    n_train = check_int("n_train", n_train, lo=1)
    n_test = check_int("n_test", n_test, lo=1)
    latent_dim = check_int("latent_dim", latent_dim, lo=1)
    teacher_hidden = check_int("teacher_hidden", teacher_hidden, lo=0)
    check_alloc(n_tasks * (n_train + n_test) * (4 * n_in + 8 * (latent_dim + n_classes + teacher_hidden + 2)),
                f"the synthetic stream ({n_tasks} tasks x {n_train + n_test} examples x {n_in} inputs)",
                "use fewer tasks or examples")
    tasks = []
    d = latent_dim
    for t, ss in enumerate(_seeds(seed, n_tasks)):
        rng = np.random.default_rng(ss)
        A = rng.standard_normal((n_in, d)) / np.sqrt(d)      # the task's input subspace
        s = rng.standard_normal((n_train + n_test, d))        # latent coordinates
        if teacher_hidden:
            W1 = rng.standard_normal((teacher_hidden, d)) / np.sqrt(d)
            W2 = rng.standard_normal((n_classes, teacher_hidden)) / np.sqrt(teacher_hidden)
            out = np.maximum(s @ W1.T, 0) @ W2.T
        else:                                                 # linear (softmax-argmax) teacher
            out = s @ rng.standard_normal((n_classes, d)).T / np.sqrt(d)
        out -= out[:n_train].mean(0)                          # roughly balanced classes
        y = np.argmax(out, 1).astype(np.int64)
        x = (s @ A.T).astype(np.float32)
        tasks.append(Task(f"teacher-{t + 1}", x[:n_train], y[:n_train], x[n_train:],
                          y[n_train:], n_classes))
    return Stream("synthetic", tasks, source="synthetic random-teacher stream (no data files)",
                  meta=dict(n_in=n_in, n_classes=n_classes, n_train=n_train, n_test=n_test,
                            latent_dim=d, teacher_hidden=teacher_hidden))


def _flat(images):
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0)


def _subset(x, y, n, rng):
    if n is None or n >= len(y):
        return x, y
    idx = np.sort(rng.choice(len(y), int(n), replace=False))
    return x[idx], y[idx]


def permuted_mnist(n_tasks=5, data_dir=None, seed=0, n_train=None, n_test=None):
    n_tasks = check_int("n_tasks", n_tasks, lo=1)
    xtr, ytr = load_mnist(data_dir, "mnist", "train")
    xte, yte = load_mnist(data_dir, "mnist", "test")
    ss = _seeds(seed, n_tasks + 1)
    rng = np.random.default_rng(ss[-1])
    xtr, ytr = _subset(_flat(xtr), ytr.astype(np.int64), n_train, rng)
    xte, yte = _subset(_flat(xte), yte.astype(np.int64), n_test, rng)
    tasks = []
    for t in range(n_tasks):
        perm = np.random.default_rng(ss[t]).permutation(xtr.shape[1])
        tasks.append(Task(f"pmnist-{t + 1}", PermutedView(xtr, perm), ytr,
                          PermutedView(xte, perm), yte, 10))
    return Stream("permuted-mnist", tasks, source="MNIST (IDX files)",
                  meta=dict(n_train=len(ytr), n_test=len(yte)))


def mnist_fashion(n_tasks=2, data_dir=None, seed=0, n_train=None, n_test=None):
    n_tasks = check_int("n_tasks", n_tasks, lo=1, hi=2)
    rng = np.random.default_rng(_seeds(seed, 1)[0])
    tasks = []
    for ds in ("mnist", "fashion-mnist")[:n_tasks]:
        xtr, ytr = load_mnist(data_dir, ds, "train")
        xte, yte = load_mnist(data_dir, ds, "test")
        xtr, ytr = _subset(_flat(xtr), ytr.astype(np.int64), n_train, rng)
        xte, yte = _subset(_flat(xte), yte.astype(np.int64), n_test, rng)
        tasks.append(Task(ds, xtr, ytr, xte, yte, 10))
    return Stream("mnist-fashion", tasks, source="MNIST and Fashion-MNIST (IDX files)")


def split_mnist(n_tasks=5, data_dir=None, seed=0, n_train=None, n_test=None):
    n_tasks = check_int("n_tasks", n_tasks, lo=1, hi=5)
    xtr, ytr = load_mnist(data_dir, "mnist", "train")
    xte, yte = load_mnist(data_dir, "mnist", "test")
    xtr, xte = _flat(xtr), _flat(xte)
    rng = np.random.default_rng(_seeds(seed, 1)[0])
    tasks = []
    for t in range(n_tasks):
        a, b = 2 * t, 2 * t + 1
        mtr, mte = np.isin(ytr, (a, b)), np.isin(yte, (a, b))
        x1, y1 = _subset(xtr[mtr], ytr[mtr].astype(np.int64) - a, n_train, rng)
        x2, y2 = _subset(xte[mte], yte[mte].astype(np.int64) - a, n_test, rng)
        tasks.append(Task(f"digits-{a}{b}", x1, y1, x2, y2, 2))
    return Stream("split-mnist", tasks, source="MNIST (IDX files)")


def load_digits_arrays():
    """scikit-learn's bundled 8x8 digits as (float32 images in [0, 1], shape (1797, 64); int64
    labels). The data ship inside the scikit-learn wheel: nothing is downloaded."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ParameterError("the permuted-digits stream needs scikit-learn (the 8x8 digits ship "
                             f"with it); install the optional extra: {DIGITS_EXTRA}") from None
    d = load_digits()
    x = (np.asarray(d.data, dtype=np.float32) / 16.0)        # pixel values 0..16 -> [0, 1]
    return x, np.asarray(d.target, dtype=np.int64)


def permuted_digits(n_tasks=5, data_dir=None, seed=0, n_train=None, n_test=None,
                    test_fraction=0.3):
    """Permuted 8x8 digits: a seeded stratified split (``test_fraction`` of each class held out),
    then one fixed seeded permutation of the 64 pixels per task, task 1 the identity.
    Seeds: child 0 of ``SeedSequence(seed)`` draws the split (and any subsets), child ``t``
    (t >= 1) the permutation of task ``t + 1``; the first tasks do not depend on ``n_tasks``.

    ``data_dir`` is accepted for a uniform signature and must be None (the data come with
    scikit-learn). ``n_train`` / ``n_test`` take seeded subsets of the split.
    """
    n_tasks = check_int("n_tasks", n_tasks, lo=1)
    if data_dir is not None:
        raise ParameterError("--data-dir is not used by --tasks permuted-digits (the 8x8 digits "
                             "ship with scikit-learn)")
    check_range("test_fraction", test_fraction, lo=0.0, hi=1.0, lo_open=True, hi_open=True,
                allowed="(0, 1)")
    x, y = load_digits_arrays()
    # child 0: the split and subsets; child t: task t + 1's permutation. Spawned children do
    # not depend on how many are spawned, so a longer stream extends a shorter one.
    ss = _seeds(seed, max(n_tasks, 1))
    rng = np.random.default_rng(ss[0])
    test = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):                                   # stratified seeded split
        idx = np.flatnonzero(y == c)
        k = max(1, int(round(test_fraction * len(idx))))
        test[rng.choice(idx, k, replace=False)] = True
    xtr, ytr = _subset(x[~test], y[~test], n_train, rng)
    xte, yte = _subset(x[test], y[test], n_test, rng)
    check_alloc(n_tasks * (xtr.nbytes + xte.nbytes), f"{n_tasks} permuted copies of the digits",
                "use fewer tasks")
    tasks = []
    for t in range(n_tasks):
        perm = (np.arange(x.shape[1]) if t == 0
                else np.random.default_rng(ss[t]).permutation(x.shape[1]))
        tasks.append(Task(f"pdigits-{t + 1}", xtr[:, perm], ytr, xte[:, perm], yte, 10))
    return Stream("permuted-digits", tasks,
                  source="scikit-learn 8x8 digits (bundled, no download)",
                  meta=dict(n_train=len(ytr), n_test=len(yte), test_fraction=test_fraction))


def make_stream(name, n_tasks=None, seed=0, data_dir=None, **kw):
    """Build a stream by name (see STREAMS); ``n_tasks=None`` uses the stream's default."""
    if name not in STREAMS:
        raise ParameterError(f"tasks={name!r} is not one of {', '.join(STREAMS)}")
    if n_tasks is None:
        n_tasks = DEFAULT_TASKS[name]
    if name == "synthetic":
        return synthetic_stream(n_tasks=n_tasks, seed=seed, **kw)
    fn = {"permuted-mnist": permuted_mnist, "mnist-fashion": mnist_fashion,
          "split-mnist": split_mnist, "permuted-digits": permuted_digits}[name]
    return fn(n_tasks=n_tasks, data_dir=data_dir, seed=seed, **kw)
