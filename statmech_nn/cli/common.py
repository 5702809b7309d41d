"""Helpers shared by command modules: model options from Param specs, output."""
import json
import warnings

from ..core.errors import NotConvergedWarning
from ..core.result import jsonable
from ..theory.base import TEMPERATURE_HELP


def add_model_options(parser, model, temperature=True):
    """One ``--name`` option per model parameter (validated later by the model)."""
    for p in model.params:
        kw = {"help": f"{p.help}" + (f" (default {p.default})" if p.default is not None else "")}
        if p.kind == "choice":
            kw["choices"] = list(p.choices)
        elif p.kind in ("int", "even"):
            kw["type"] = int
        else:
            kw["type"] = float
        parser.add_argument(f"--{p.name}", dest=p.name, default=None, **kw)
    if temperature and model.has_temperature:
        g = parser.add_mutually_exclusive_group()
        g.add_argument("--T", dest="T", type=float, default=None, help=TEMPERATURE_HELP)
        g.add_argument("--beta", dest="beta", type=float, default=None, help="inverse temperature")


def model_kwargs(args, model, temperature=True):
    kw = {p.name: getattr(args, p.name) for p in model.params if getattr(args, p.name, None) is not None}
    if temperature and model.has_temperature:
        if args.T is not None:
            kw["T"] = args.T
        if args.beta is not None:
            kw["beta"] = args.beta
    return kw


def add_output_options(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def print_json(obj):
    """One JSON object on stdout: valid JSON always (NaN -> null, inf -> "inf")."""
    print(json.dumps(jsonable(obj), allow_nan=False))


def emit(result, as_json, text=None):
    """Print a result (dict-like with ``to_dict``) as JSON or as readable text."""
    d = jsonable(result.to_dict() if hasattr(result, "to_dict") else result)
    if as_json:
        print_json(d)
    else:
        print(text if text is not None else _pretty(d))
    if isinstance(d, dict) and d.get("converged") is False:
        # a warning, not a print: main() shows all warnings of a run as one line
        warnings.warn(f"not converged (residual {d.get('residual')}); see the 'converged' field"
                      + (f": {d['message']}" if d.get("message") else ""), NotConvergedWarning)
        return 1
    return 0


def _pretty(d, indent=0):
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(" " * indent + f"{k}:")
            lines.append(_pretty(v, indent + 2))
        else:
            lines.append(" " * indent + f"{k}: {v}")
    return "\n".join(lines)


def output_path(text, option="--out", default_suffix=None):
    """The path an ``--out`` option names: refused when empty or an existing directory; a
    name without a suffix gets ``default_suffix`` (the file that is really written, e.g.
    ``.png`` for a figure, so that the path printed is the path on disk)."""
    from pathlib import Path

    from ..core.errors import ParameterError
    if text is None:
        return None
    if not str(text).strip():
        raise ParameterError(f"{option} '' is empty; give a file path")
    p = Path(text)
    if p.is_dir():
        raise ParameterError(f"{option} {text} is a directory; give a file path inside it")
    if default_suffix and not p.suffix:
        p = p.with_name(p.name + default_suffix)
    return p
