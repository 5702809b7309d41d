"""Binary (and spherical) perceptrons: storage, teacher-student Gibbs learning,
field-space variational learning, continual learning as a Franz-Parisi potential,
and the matching simulations (MC over binary weights, field-space trainer).

Conventions (see docs/perceptron.md):

* load alpha = P/N; teacher and student weights in {-1, +1}^N (binary) or on the
  sphere ``|w|^2 = N`` (spherical);
* labels y = sign(w* . x) with the tie-break **sign(0) = +1** everywhere
  (:func:`statmech_nn.perceptron.common.sign`);
* entropies are per weight, natural logs; generalisation errors are
  eps = arccos(overlap)/pi.
"""
