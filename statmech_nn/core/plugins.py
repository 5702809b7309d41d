"""Import the modules of a registry (figure recipes, validation checks) by name; importing a
module registers its entries.  A missing module is an error, never skipped."""
import importlib


def import_registered(modules):
    for mod in modules:
        importlib.import_module(mod)
