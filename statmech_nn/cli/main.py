"""Entry point: builds the parser from the command modules and maps errors to exit codes.

Exit codes (the contract, also in the README): 0 success; 1 a computation finished but did
not converge (the JSON is still printed, with ``converged: false``); 2 bad input, nothing
computed or written (one line on stderr, no traceback); 130 interrupted. Warnings (numpy's, a
solver's) are collected and shown as at most one ``statmech-nn: warning:`` line, and not at
all on exit 2. Anything else is a bug: the traceback is printed and the exit code is 3.

To add a command: write a module with ``register(subparsers)`` that adds a
subparser with ``commands.add_command`` and sets ``func(args) -> int``,
and list it in ``commands.COMMANDS``.
"""
import argparse
import importlib
import sys
import traceback
import warnings

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


def _one_line(exc):
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg if msg.startswith("statmech-nn") else f"statmech-nn: error: {msg}"


def _run(argv):
    from ..core.errors import ParameterError
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(_command_in(argv)).parse_args(argv)
        return int(args.func(args) or 0)
    # ParameterError includes NotAvailableError (``capacity sk``); OSError: e.g. an
    # unwritable --out; MemoryError: an allocation beyond what the machine has
    except (CLIError, ParameterError, ValueError, OSError) as exc:
        print(_one_line(exc), file=sys.stderr)
        return 2
    except MemoryError as exc:
        print(_one_line(f"out of memory ({exc or 'allocation failed'}): reduce the problem size"),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("statmech-nn: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug: keep the traceback for the report
        traceback.print_exc()
        print("statmech-nn: internal error (a bug; please report it with the traceback above)",
              file=sys.stderr)
        return 3


def _warning_line(caught):
    """At most one line for the warnings of a run: the last not-converged one if any (the
    command's own summary of its result), else the first, and how many other distinct warnings
    there were."""
    from ..core.errors import NotConvergedWarning
    msgs = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    if not msgs:
        return None
    first = next((" ".join(str(w.message).split()) for w in reversed(caught)
                  if issubclass(w.category, NotConvergedWarning)), msgs[0])
    more = len(msgs) - 1
    return f"statmech-nn: warning: {first}" + (f" (and {more} other warning(s))" if more else "")


def main(argv=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rc = _run(argv)
    line = _warning_line(caught) if rc != 2 else None
    if line:
        print(line, file=sys.stderr)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
