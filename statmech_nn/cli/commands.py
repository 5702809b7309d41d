"""The command table: which module implements each command, and its help line."""

# command -> (module, one-line help).  Static, so that ``statmech-nn --help`` and a command's
# own start-up import only the module of the command named on the line (the others pull in
# every model and scipy, about 1 s).
COMMANDS = {
    "solve": ("cmd_theory", "solve the saddle-point equations at one parameter point"),
    "capacity": ("cmd_theory", "maximal load alpha_c (T = 0) of a model"),
    "phase-diagram": ("cmd_phase", "sweep a model over a parameter grid (resumable, cached, "
                                   "parallel)"),
    "figures": ("cmd_figures", "build the figure catalogue into figures/ (PNG + netCDF)"),
    "mc": ("cmd_mc", "one Monte Carlo run (Metropolis/heat-bath, optional tempering)"),
    "compare": ("cmd_mc", "theory (RS/1RSB) vs MC along T or the load, one figure"),
    "threshold": ("cmd_learning", "learning threshold M_c (examples per class needed to "
                                  "retrieve) of dense Hebbian learning"),
    "continual": ("cmd_continual", "continual learning in multilayer binary networks "
                                   "(variational field space vs metaplasticity, EWC, plain)"),
    "cache": ("cmd_cache", "inspect (info) or empty (clear) the sweep and figure cache"),
    "validate": ("cmd_validate", "run the validation table (exact and published values)"),
}


def add_command(sub, name):
    """Add command ``name`` to the subparsers ``sub`` with its help line from ``COMMANDS``."""
    return sub.add_parser(name, help=COMMANDS[name][1])
