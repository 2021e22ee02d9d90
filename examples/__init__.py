"""The gmmkit examples: one script per use case.

Each ``examples/NAME.py`` runs as ``python examples/NAME.py [--out DIR] [--quick]``
and as ``gmmkit example NAME``; installed, this folder is ``gmmkit.examples``.
"""
