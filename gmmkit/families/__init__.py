"""Component families: how a chunk of rows becomes log-probabilities and sums.

Each family holds its parameters (a frozen dataclass with an ``evaluator``
method), its chunk evaluator (a :class:`gmmkit.engine.ChunkEvaluator`) and
its M-step:

- :mod:`~gmmkit.families.gaussian`: Gaussian components (and a uniform
  background), :class:`MixtureParams`;
- :mod:`~gmmkit.families.variational`: the variational posterior of a
  Bayesian Gaussian mixture, :class:`Posterior`;
- :mod:`~gmmkit.families.student_t`: Student-t components,
  :class:`TMixtureParams`.

The one chunked E-step (:func:`gmmkit.engine.e_step`) runs any of them; the
one EM driver (:mod:`gmmkit.em`) iterates their steps. Families know no
estimator class.
"""
