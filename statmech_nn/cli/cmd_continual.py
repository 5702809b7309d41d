"""``continual``: train one method through a task stream of multilayer binary networks.

Examples::

    statmech-nn continual --method vcl --tasks synthetic --quick --json
    statmech-nn continual --method ewc --tasks permuted-digits --n-tasks 5 --json
    statmech-nn continual --method meta --meta 1.35 --tasks permuted-mnist --n-tasks 10 \\
        --data-dir ~/data --out pmnist_meta.nc
"""

import numpy as np

from .commands import add_command
from .common import output_path, print_json

# settings per stream: (full, quick); sizes are the network's hidden layers
PRESETS = {
    "synthetic": (dict(hidden=(128, 128), epochs=5, stream=dict(n_in=64, n_train=4000,
                                                                n_test=2000)),
                  dict(hidden=(64, 64), epochs=3, batch_size=50,
                       stream=dict(n_in=64, n_train=2000, n_test=1000))),
    "digits": (dict(hidden=(256, 256), epochs=5, batch_size=50, stream=dict()),
               dict(hidden=(64, 64), epochs=2, batch_size=50, stream=dict())),
    "mnist": (dict(hidden=(512, 512), epochs=5, stream=dict()),
              dict(hidden=(256, 256), epochs=2, stream=dict(n_train=10000, n_test=2000))),
}


def _hidden(text):
    from ..core.errors import ParameterError
    try:
        sizes = tuple(int(h) for h in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes:
        raise ParameterError(f"--hidden must be comma-separated integers (one per hidden layer, "
                             f"e.g. 512,512), got {text!r}")
    return sizes


def _run(args):
    from ..core.errors import ParameterError, check_range
    from ..deepcl import make_stream, run_continual, save_netcdf
    kind = {"synthetic": "synthetic", "permuted-digits": "digits"}.get(args.tasks, "mnist")
    preset = PRESETS[kind][1 if args.quick else 0]
    skw = dict(preset["stream"])
    if args.n_train is not None:
        skw["n_train"] = args.n_train
    if args.tasks in ("synthetic", "permuted-digits") and args.data_dir is not None:
        raise ParameterError(f"--data-dir is not used by --tasks {args.tasks}")
    out = output_path(args.out)
    opts = dict(hidden=_hidden(args.hidden) if args.hidden is not None else preset["hidden"],
                epochs=args.epochs if args.epochs is not None else preset["epochs"])
    if "batch_size" in preset:
        opts["batch_size"] = preset["batch_size"]
    for name in ("lr", "batch_size", "kl_weight", "kl_form", "ewc_lambda", "eval_mode",
                 "beta_max"):
        v = getattr(args, name)
        if v is not None:
            opts[name] = v
    if args.meta is not None:
        if args.method != "meta":
            raise ParameterError("--meta applies to --method meta only")
        opts["meta"] = args.meta
    if args.beta is not None:
        if args.method == "meta":
            raise ParameterError("--beta applies to the field-space methods (vcl, ewc, plain)")
        check_range("beta", args.beta, lo=0.0, lo_open=True, allowed="(0, inf)")
        opts.update(beta=args.beta, anneal=False)
    if args.method == "meta" and args.beta_max is not None:
        raise ParameterError("--beta-max applies to the field-space methods (vcl, ewc, plain)")
    if args.method != "vcl" and (args.kl_weight is not None or args.kl_form is not None):
        raise ParameterError("--kl-weight/--kl-form apply to --method vcl only")
    if args.method != "ewc" and args.ewc_lambda is not None:
        raise ParameterError("--ewc-lambda applies to --method ewc only")
    if args.lr is not None:
        check_range("lr", args.lr, lo=0.0, lo_open=True, allowed="(0, inf): learning rate "
                    "must be positive")
    stream = make_stream(args.tasks, n_tasks=args.n_tasks, seed=args.seed,
                         data_dir=args.data_dir, **skw)
    res = run_continual(stream, args.method, seed=args.seed,
                        progress=not args.quiet, **opts)
    if out is not None:
        save_netcdf(res.to_dataset(), out)
    d = res.to_dict()
    if out is not None:
        d["out"] = str(out)
    if args.json:
        print_json(d)
    else:
        print(_text(res, out))
    return 0


def _text(res, out):
    T = res["n_tasks"]
    lines = [f"method {res['method']} on {res['tasks']} ({res['source']}), seed {res['seed']}, "
             f"{res['epochs']} epochs/task, {res['seconds']:.1f} s",
             "test accuracy on task j (columns) after training task i (rows):",
             "        " + " ".join(f"{j + 1:>6d}" for j in range(T))]
    for i in range(T):
        row = " ".join("     ." if np.isnan(a) else f"{a:6.3f}" for a in res["acc_matrix"][i])
        lines.append(f"  {i + 1:>4d}  {row}   avg {res['average_accuracy'][i]:.3f}")
    lines.append(f"final_average_accuracy: {res['final_average_accuracy']:.4f}")
    if out:
        lines.append(f"per-epoch accuracies written to {out}")
    return "\n".join(lines)


def register(sub):
    from ..deepcl import METHODS, STREAMS
    p = add_command(sub, "continual")
    p.add_argument("--method", choices=METHODS, default="vcl",
                   help="vcl (field space + KL), meta (metaplastic BNN), ewc, plain")
    p.add_argument("--tasks", choices=STREAMS, default="synthetic", help="task stream")
    p.add_argument("--n-tasks", dest="n_tasks", type=int, default=None,
                   help="number of tasks (default: 5; mnist-fashion: 2)")
    p.add_argument("--data-dir", dest="data_dir", default=None,
                   help="directory with the MNIST / Fashion-MNIST IDX files "
                        "(default $STATMECH_NN_DATA, then ~/.cache/statmech_nn); never downloads; "
                        "permuted-digits uses scikit-learn's bundled 8x8 digits instead")
    p.add_argument("--meta", type=float, default=None, help="metaplasticity m (method meta; "
                   "default 1.35; 0 = plain binarised network)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per task")
    p.add_argument("--hidden", default=None, help="hidden layer sizes, e.g. 512,512")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=None)
    p.add_argument("--beta", type=float, default=None,
                   help="constant field inverse temperature (disables beta annealing)")
    p.add_argument("--beta-max", dest="beta_max", type=float, default=None,
                   help="annealing: beta_k = beta_max tanh(0.1 + 2k/K) (default 10)")
    p.add_argument("--kl-weight", dest="kl_weight", type=float, default=None,
                   help="vcl: KL weight gamma (default 1, the Bayesian value)")
    p.add_argument("--kl-form", dest="kl_form", choices=("task", "online"), default=None,
                   help="vcl: prior frozen at task boundaries (task) or the previous step (online)")
    p.add_argument("--ewc-lambda", dest="ewc_lambda", type=float, default=None,
                   help="ewc: penalty strength (default 100)")
    p.add_argument("--eval-mode", dest="eval_mode", choices=("binary", "mean", "sample"),
                   default=None, help="field methods: evaluate sign(theta) (default), the mean "
                   "network, or one sample")
    p.add_argument("--n-train", dest="n_train", type=int, default=None,
                   help="training examples per task (subset; default all / preset)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true",
                   help="small settings (synthetic, permuted-digits: seconds; MNIST: minutes)")
    p.add_argument("--out", default=None, help="write per-epoch accuracies to this netCDF file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_run)
    return p

