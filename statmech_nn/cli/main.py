"""Entry point: builds the parser from the command modules and maps errors to exit codes.

Exit codes: 0 success; 1 a computation finished but did not converge (the JSON
is still printed, with ``converged: false``); 2 bad input (one line on stderr,
no traceback); 130 interrupted.

To add a command: write a module with ``register(subparsers)`` that adds a
subparser with ``commands.add_command`` and sets ``func(args) -> int``,
and list it in ``commands.COMMANDS``.
"""
import argparse
import importlib
import sys

from .commands import COMMANDS



class CLIError(Exception):
    """Bad command-line input; reported as one line on stderr with exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + message."""

    def error(self, message):
        raise CLIError(f"{self.prog}: {message}")


def build_parser(command=None):
    """The full parser (``command=None``), or one in which only ``command`` is complete and
    every other command is a stub carrying its help line (``command=""``: stubs only)."""
    parser = Parser(prog="statmech-nn", description="Statistical mechanics of neural networks: "
                    "replica theory and Monte Carlo, cross-checked.")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"statmech_nn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name, (module, help_) in COMMANDS.items():
        if name in sub.choices:
            continue
        if command is None or COMMANDS.get(command, ("",))[0] == module:
            importlib.import_module(f"statmech_nn.cli.{module}").register(sub)
        else:
            sub.add_parser(name, help=help_)
    return parser


def _command_in(argv):
    """The command named on the line ('' if none): the first token that is not an option."""
    return next((a for a in argv if not a.startswith("-")), "")


def main(argv=None):
    from ..core.errors import ParameterError
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(_command_in(argv)).parse_args(argv)
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
