"""Import the modules of a registry (figure recipes, validation checks) by name.

A listed module that does not exist yet is skipped (so a registry can list planned
modules); an import error *inside* an existing module is raised, never hidden.
"""
import importlib


def import_registered(modules):
    for mod in modules:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
