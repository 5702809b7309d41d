"""Training through a task stream, accuracy bookkeeping, netCDF output.

``run_continual(stream, method, **options) -> ContinualResult``

Methods (all on the same layer sizes ``(n_in, *hidden, n_classes)``, same epochs per task
and batch size):

``vcl``
    field-space network + KL to the previous posterior (:class:`~.nets.FieldNet`).
    Per mini-batch objective: mean cross-entropy + (gamma / n_train) KL(q_theta || q').
    ``kl_form='task'``: q' is frozen at the end of each task (task-boundary form;
    no KL on task 1 unless ``first_prior='uniform'``, which uses theta' = 0).
    ``kl_form='online'``: q' is the posterior ``kl_refresh`` optimiser steps ago
    (boundary-free; ``kl_refresh=1`` gives the lagged ``beta^2 s2 dtheta`` term).
``plain``
    the same field-space network and optimiser, no regulariser.
``ewc``
    the same network + (lambda/2) sum_k F_k (theta - theta_k)^2, F_k the diagonal field-space
    Fisher of task k at its end (accumulated over tasks).
``meta``
    metaplastic binarised network (:class:`~.nets.BinaryNet` + AdamMeta, factor ``meta``;
    ``meta=0``: plain binarised network).

Field-space methods anneal beta per epoch through the whole stream,
``beta_k = beta_max tanh(beta_offset + 2 k / K)`` (k = 1..K global epochs), unless
``anneal=False`` (then constant ``beta``).

Accuracies are test accuracies of the binary network the method produces
(``eval_mode='binary'``: w = sign(theta) or sign(W_h)), after every epoch, on every task seen
so far (NaN for tasks not yet seen). ``acc_matrix[i, j]`` = accuracy on task j after
training on task i; ``final_average_accuracy`` = mean of its last row;
``average_accuracy[i]`` = mean of row i over tasks 0..i.
"""
import math
import os
import time

import numpy as np

from ..core.budget import check_alloc
from ..core.errors import ParameterError, check_choice, check_int, check_range
from ..core.progress import progress_bar
from ..core.result import AttrDict
from .nets import Adam, AdamMeta, BinaryNet, FieldNet
from .streams import Stream, validate_tasks

METHODS = ("vcl", "meta", "ewc", "plain")

DEFAULTS = {
    "common": dict(hidden=(512, 512), epochs=5, batch_size=100, eval_mode="binary"),
    "vcl": dict(lr=0.01, kl_weight=1.0, kl_form="task", kl_refresh=1, first_prior="none"),
    "plain": dict(lr=0.01),
    "ewc": dict(lr=0.01, ewc_lambda=100.0, fisher_samples=1000),
    "meta": dict(lr=0.005, meta=1.35, init_width=0.1),
    "field": dict(beta=1.0, beta_max=10.0, beta_offset=0.1, anneal=True, init_std=1.0),
}


def method_defaults(method):
    check_choice("method", method, METHODS)
    d = dict(DEFAULTS["common"])
    d.update(DEFAULTS[method])
    if method != "meta":
        d.update(DEFAULTS["field"])
    return d


def beta_schedule(k, K, beta_max=10.0, beta_offset=0.1):
    """beta at global epoch k (1..K)."""
    return beta_max * math.tanh(beta_offset + 2.0 * k / K)


class ContinualResult(AttrDict):
    """Outcome of one run; keys are documented in :func:`run_continual`."""

    def to_dict(self):
        from ..core.result import jsonable
        keys = ("method", "tasks", "n_tasks", "seed", "final_average_accuracy",
                "average_accuracy", "acc_matrix", "task_names", "epochs", "params", "source",
                "seconds")
        return jsonable({k: self[k] for k in keys})

    def to_dataset(self):
        import xarray as xr
        T = self["n_tasks"]
        E = self["acc_epoch"].shape[0]
        ds = xr.Dataset(
            {"acc_epoch": (("epoch", "task"), self["acc_epoch"],
                           {"long_name": "test accuracy after each epoch "
                                         "(NaN: task not yet seen)"}),
             "acc_matrix": (("after_task", "task"), self["acc_matrix"],
                            {"long_name": "test accuracy on task j after training task i"}),
             "average_accuracy": (("after_task",), np.asarray(self["average_accuracy"]),
                                  {"long_name": "mean accuracy over the tasks seen so far"}),
             "beta": (("epoch",), self["beta"]),
             "loss": (("epoch",), self["loss"])},
            coords={"epoch": np.arange(1, E + 1), "task": np.arange(1, T + 1),
                    "after_task": np.arange(1, T + 1),
                    "task_name": ("task", list(self["task_names"]))},
            attrs={"method": self["method"], "tasks": self["tasks"], "seed": self["seed"],
                   "source": self["source"], "seconds": self["seconds"],
                   "final_average_accuracy": self["final_average_accuracy"],
                   **{f"param_{k}": (str(v) if isinstance(v, (tuple, list, bool)) or v is None
                                     else v) for k, v in self["params"].items()}})
        return ds


def save_netcdf(ds, path):
    """Atomic netCDF write (``sweep.store.write_atomic``); returns the path as a string."""
    from ..sweep.store import write_atomic
    return os.fspath(write_atomic(ds, path))


def _validate(method, o):
    check_choice("method", method, METHODS)
    o["hidden"] = tuple(check_int("hidden layer size", h, lo=1) for h in o["hidden"])
    o["epochs"] = check_int("epochs", o["epochs"], lo=1)
    o["batch_size"] = check_int("batch_size", o["batch_size"], lo=1)
    o["lr"] = check_range("lr", o["lr"], lo=0.0, lo_open=True, allowed="(0, inf): learning "
                          "rate must be positive")
    check_choice("eval_mode", o["eval_mode"], ("binary", "mean", "sample"))
    if method != "meta":
        o["beta"] = check_range("beta", o["beta"], lo=0.0, lo_open=True, allowed="(0, inf)")
        o["beta_max"] = check_range("beta_max", o["beta_max"], lo=0.0, lo_open=True,
                                    allowed="(0, inf)")
        o["beta_offset"] = check_range("beta_offset", o["beta_offset"], lo=0.0)
    else:
        o["meta"] = check_range("meta", o["meta"], lo=0.0, allowed="[0, inf)")
        if o["eval_mode"] != "binary":
            raise ParameterError("method meta is evaluated with its binary weights only "
                                 "(eval_mode='binary')")
    if method == "vcl":
        o["kl_weight"] = check_range("kl_weight", o["kl_weight"], lo=0.0)
        check_choice("kl_form", o["kl_form"], ("task", "online"))
        check_choice("first_prior", o["first_prior"], ("none", "uniform"))
        o["kl_refresh"] = check_int("kl_refresh", o["kl_refresh"], lo=1)
    if method == "ewc":
        o["ewc_lambda"] = check_range("ewc_lambda", o["ewc_lambda"], lo=0.0)
        o["fisher_samples"] = check_int("fisher_samples", o["fisher_samples"], lo=1)
    return o


def run_continual(stream, method="vcl", seed=0, progress=False, callback=None, **options):
    """Train ``method`` through ``stream`` (a :class:`Stream` or a list of Tasks).

    ``options`` override :func:`method_defaults`; unknown options raise ParameterError.
    ``progress``: show a tqdm bar on stderr (only when stderr is a TTY).
    ``callback(epoch, acc_row)`` is called after every epoch (optional).
    """
    if not isinstance(stream, Stream):
        stream = Stream("custom", list(validate_tasks(list(stream))), source="user tasks")
    o = method_defaults(method)
    bad = set(options) - set(o)
    if bad:
        raise ParameterError(f"unknown option(s) for method {method}: {', '.join(sorted(bad))}")
    o.update(options)
    o = _validate(method, o)
    seed = check_int("seed", seed, lo=0)
    ss_init, ss_batch, ss_noise, ss_fisher = np.random.SeedSequence(seed).spawn(4)
    r_init, r_batch = np.random.default_rng(ss_init), np.random.default_rng(ss_batch)
    r_noise, r_fisher = np.random.default_rng(ss_noise), np.random.default_rng(ss_fisher)
    sizes = (stream.n_in, *o["hidden"], stream.n_classes)
    T, E = len(stream), o["epochs"]
    K = T * E
    n_w = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    # parameters, gradients, Adam moments, priors / Fisher sums; per-epoch records
    check_alloc(8 * (10 * n_w + K * (T + 2) + T * T), f"the network (layers {sizes}) and the "
                f"records of {K} epochs", "use smaller hidden layers, fewer epochs or fewer tasks")
    if method == "meta":
        net = BinaryNet(sizes, r_init, init_width=o["init_width"])
        opt = AdamMeta(net.params, lr=o["lr"], meta=o["meta"])
        opt_bn = Adam(net.bn_params, lr=o["lr"])
    else:
        net = FieldNet(sizes, r_init, beta=o["beta"], init_std=o["init_std"])
        opt = Adam(net.params, lr=o["lr"])
    acc_epoch = np.full((K, T), np.nan)
    acc_matrix = np.full((T, T), np.nan)
    betas, losses = np.full(K, np.nan), np.full(K, np.nan)
    prior = None
    F_sum = FT_sum = None
    bar = progress_bar(total=K, desc=f"{method} on {stream.name}", unit="epoch", leave=False,
                       show=None if progress else False)
    t0 = time.perf_counter()
    k = 0
    step = 0
    try:
        for t, task in enumerate(stream.tasks):
            n = len(task.y_train)
            if method == "vcl" and o["kl_form"] == "task":
                if t > 0:
                    prior = [th.copy() for th in net.theta]
                elif o["first_prior"] == "uniform":
                    prior = [np.zeros_like(th) for th in net.theta]
            for _ in range(E):
                k += 1
                if method != "meta":
                    b = beta_schedule(k, K, o["beta_max"], o["beta_offset"]) if o["anneal"] \
                        else o["beta"]
                    net.set_beta(b)
                    betas[k - 1] = b
                order = r_batch.permutation(n)
                tot, nb = 0.0, 0
                for s in range(0, n, o["batch_size"]):
                    idx = order[s:s + o["batch_size"]]
                    xb, yb = task.x_train[idx], task.y_train[idx]
                    if method == "meta":
                        if len(idx) < 2:
                            continue          # batch norm needs >= 2 examples
                        loss, gW, gbn = net.loss_and_grad(xb, yb)
                        opt.step(gW)
                        opt_bn.step(gbn)
                    else:
                        loss, g = net.loss_and_grad(xb, yb, rng=r_noise)
                        if method == "vcl":
                            if o["kl_form"] == "online" and prior is None:
                                prior = [th.copy() for th in net.theta]
                            if prior is not None and o["kl_weight"] > 0:
                                c = o["kl_weight"] / n
                                g = [gi + c * ki for gi, ki in zip(g, net.kl_grad(prior))]
                            if o["kl_form"] == "online" and step % o["kl_refresh"] == 0:
                                prior = [th.copy() for th in net.theta]
                        elif method == "ewc" and F_sum is not None and o["ewc_lambda"] > 0:
                            _, ge = net.ewc_penalty(F_sum, FT_sum, o["ewc_lambda"])
                            g = [gi + gei for gi, gei in zip(g, ge)]
                        opt.step(g)
                    step += 1
                    tot += loss
                    nb += 1
                losses[k - 1] = tot / max(nb, 1)
                for j in range(t + 1):
                    tj = stream.tasks[j]
                    acc_epoch[k - 1, j] = net.accuracy(tj.x_test, tj.y_test, mode=o["eval_mode"],
                                                       rng=r_noise)
                if callback is not None:
                    callback(k, acc_epoch[k - 1].copy())
                bar.update(1)
                if not bar.disable:
                    bar.set_postfix(task=t + 1, avg=f"{np.nanmean(acc_epoch[k - 1]):.3f}")
            acc_matrix[t] = acc_epoch[k - 1]
            if method == "ewc":
                F = net.fisher(task.x_train, r_fisher, n_samples=o["fisher_samples"])
                if F_sum is None:
                    F_sum = [np.zeros_like(f) for f in F]
                    FT_sum = [np.zeros_like(f) for f in F]
                for i, (f, th) in enumerate(zip(F, net.theta)):
                    F_sum[i] += f
                    FT_sum[i] += f * th
    finally:
        bar.close()
    avg = [float(np.mean(acc_matrix[i, :i + 1])) for i in range(T)]
    return ContinualResult(
        method=method, tasks=stream.name, n_tasks=T, seed=seed, source=stream.source,
        task_names=[t.name for t in stream.tasks], epochs=E, params=dict(o, sizes=sizes),
        acc_epoch=acc_epoch, acc_matrix=acc_matrix, average_accuracy=avg,
        final_average_accuracy=avg[-1], beta=betas, loss=losses,
        seconds=time.perf_counter() - t0, net=net)
