"""Name -> model class, imported lazily so that the CLI starts fast.

To add a model: implement :class:`~statmech_nn.theory.base.TheoryModel` in a module
and add one line to ``_MODELS``.
"""
import importlib

from ..core.errors import ParameterError

_MODELS = {
    # name: "module:Class"
    "hopfield": "statmech_nn.theory.hopfield:Hopfield",
    "dense-hebbian": "statmech_nn.theory.dense:DenseHebbian",
    "sk": "statmech_nn.theory.sk:SK",
    "curie-weiss": "statmech_nn.theory.curie_weiss:CurieWeiss",
    "dense-hebbian-supervised": "statmech_nn.learning.theory:Supervised",
    "dense-hebbian-unsupervised": "statmech_nn.learning.theory:Unsupervised",
    "perceptron-storage": "statmech_nn.perceptron.storage:PerceptronStorage",
    "perceptron-teacher": "statmech_nn.perceptron.teacher:PerceptronTeacher",
    "perceptron-field": "statmech_nn.perceptron.field:PerceptronField",
    "continual": "statmech_nn.perceptron.continual:Continual",
}


def model_names():
    """Registered model names (no module is imported)."""
    return list(_MODELS)


def get_model(name):
    """Return an instance of the model called ``name`` (e.g. 'hopfield')."""
    try:
        target = _MODELS[name]
    except KeyError:
        raise ParameterError(f"unknown model {name!r}; choose one of {', '.join(_MODELS)}") from None
    mod, cls = target.split(":")
    return getattr(importlib.import_module(mod), cls)()
