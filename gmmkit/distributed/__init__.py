"""EM on Dask arrays: block-wise E-steps, tree-reduced statistics, M-step here.

Each EM iteration maps :func:`gmmkit.engine.e_step` over the row blocks of a
``dask.array.Array`` and adds the resulting :class:`~gmmkit.stats.SuffStats`
pairwise in a tree until one remains; the M-step then runs in the calling
process on those few numbers. Every block is evaluated under the same
parameters, so all blocks' statistics share one shift and merge exactly: a
Dask fit equals the in-memory fit from the same start up to the order of
floating-point additions, for every estimator.

Only the parameters travel to the workers and only statistics travel back:
per block and iteration, ``K * (1 + d + d**2)`` numbers or fewer, whatever
the block's row count. The data stay where Dask keeps them (a worker's
memory if persisted, otherwise re-read from their source each iteration), so
datasets larger than the cluster's memory fit block by block.

Computations run on the active ``dask.distributed`` client when there is
one, otherwise on Dask's default local scheduler. Dask is an optional
dependency (``pip install 'gmmkit[dask]'``); ``import gmmkit`` does not load
this package, and estimators reach it only through
:func:`gmmkit._backend.backend_for` when Dask input arrives.

Modules:

- :mod:`~gmmkit.distributed.blocks`: EM on blocks (E-step map-reduce, the
  sampled start, moments, lazy inference);
- :mod:`~gmmkit.distributed.backend`: those operations behind the backend
  interface the estimators use;
- :mod:`gmmkit._validation.dask`: checks of Dask input (with every other
  validator);
- :mod:`~gmmkit.distributed.scheduler`: connecting to a scheduler;
- :mod:`~gmmkit.distributed.folders`: a folder of files as one Dask array.
"""

from .._validation import is_dask_collection
from .._validation.dask import check_dask_data, check_dask_weights, dask_module
from .blocks import (
    INIT_SAMPLE_SIZE,
    SPLIT_EVERY,
    dask_e_step,
    data_moments,
    map_inference,
    sample_rows,
)
from .folders import DEFAULT_BLOCK_BYTES, read_array_folder
from .scheduler import DEFAULT_CONNECT_TIMEOUT, connect_scheduler

__all__ = [
    "DEFAULT_BLOCK_BYTES",
    "DEFAULT_CONNECT_TIMEOUT",
    "INIT_SAMPLE_SIZE",
    "SPLIT_EVERY",
    "check_dask_data",
    "check_dask_weights",
    "connect_scheduler",
    "dask_e_step",
    "dask_module",
    "data_moments",
    "is_dask_collection",
    "map_inference",
    "read_array_folder",
    "sample_rows",
]
