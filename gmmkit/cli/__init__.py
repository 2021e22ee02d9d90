"""The ``gmmkit`` command line: thin commands over library functions.

Every command reads its input with :func:`gmmkit.io.read_table` or
:func:`gmmkit.persistence.read`, calls the library, and renders the result
with Rich. Errors are one line on stderr with exit code 1, never a
traceback; outputs are written atomically, so a failed command leaves no
half-written file.

The modules: ``_app`` (the Typer app, errors, :func:`main`), ``_options``
(shared arguments and their parsers), ``_files`` (inputs, outputs and the
model file's record), ``_tables`` and ``_progress`` (what is shown),
``_search`` (the :func:`~gmmkit.select_model` call that ``fit -k auto``,
``select`` and ``report`` share), and one module per group of commands:
``_fit`` (with ``_fit_dask`` and the shared ``_fitting``), ``_select``,
``_inference`` (predict, sample), ``_plot``, ``_report`` (report, demo) and
``_example``.
"""

from ._app import Command, CommandError, app, handle_errors, main
from ._example import example
from ._fit import fit
from ._inference import predict, sample
from ._options import parse_covariance_types, parse_k_range
from ._plot import plot
from ._report import demo, report
from ._select import select
from ._tables import components_table, selection_table

# Registered here rather than where they are defined, so that `gmmkit --help`
# lists them in this order whatever the order of the imports.
for _command in (fit, select, predict, sample, plot, report, demo, example):
    app.command(cls=Command)(_command)
del _command

__all__ = [
    "CommandError",
    "app",
    "components_table",
    "handle_errors",
    "main",
    "parse_covariance_types",
    "parse_k_range",
    "selection_table",
]
