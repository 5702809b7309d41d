"""Entry point: builds the parser from the command modules and maps errors to exit codes.

Exit codes: 0 success; 1 a computation finished but did not converge (the JSON
is still printed, with ``converged: false``); 2 bad input (one line on stderr,
no traceback); 130 interrupted.

To add a command: write a module with ``register(subparsers)`` that adds a
subparser and sets ``func(args) -> int``, and list it in ``COMMANDS``.
"""
import argparse
import importlib
import sys

COMMANDS = [
    "statmech_nn.cli.cmd_theory",      # solve, capacity
    "statmech_nn.cli.cmd_phase",       # phase-diagram
    "statmech_nn.cli.cmd_figures",     # figures
    "statmech_nn.cli.cmd_mc",          # mc, compare
    "statmech_nn.cli.cmd_learning",    # threshold (dense Hebbian learning)
    "statmech_nn.cli.cmd_continual",   # continual (multilayer binary networks)
    "statmech_nn.cli.cmd_cache",       # cache (content-addressed result cache)
    "statmech_nn.cli.cmd_validate",    # validate (the validation table)
]


class CLIError(Exception):
    """Bad command-line input; reported as one line on stderr with exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + message."""

    def error(self, message):
        raise CLIError(f"{self.prog}: {message}")


def build_parser():
    parser = Parser(prog="statmech-nn", description="Statistical mechanics of neural networks: "
                    "replica theory and Monte Carlo, cross-checked.")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"statmech_nn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command whose module is not there yet
            if exc.name == name:
                continue
            raise
        mod.register(sub)
    return parser


def main(argv=None):
    from ..core.errors import ParameterError
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except (CLIError, ParameterError, ValueError, OSError) as exc:  # OSError: e.g. an unwritable --out
        msg = str(exc).replace("\n", " ")
        if not msg.startswith("statmech-nn"):
            msg = f"statmech-nn: error: {msg}"
        print(msg, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("statmech-nn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
