"""Connecting to a Dask scheduler, or starting a local cluster, with a bounded wait."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from .._validation.dask import INSTALL_HINT

if TYPE_CHECKING:  # pragma: no cover
    import distributed

#: Seconds :func:`connect_scheduler` waits for a scheduler to answer.
DEFAULT_CONNECT_TIMEOUT = 10.0


def _probe_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` who it is, giving up after ``timeout``.

    ``distributed.Client(address, timeout=...)`` bounds the TCP connect but
    can wait forever on a socket that accepts and never answers; this probe
    bounds the whole exchange.
    """
    from distributed.core import rpc

    async def identity():
        async with rpc(address, timeout=timeout) as scheduler:
            return await scheduler.identity()

    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["identity"] = asyncio.run(asyncio.wait_for(identity(), timeout))
        except BaseException as error:
            outcome["error"] = error

    # A daemon thread: even if the probe wedges, the caller and the
    # interpreter's exit do not wait for it.
    thread = threading.Thread(target=run, name="gmmkit-scheduler-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    identity_ = outcome.get("identity")
    if isinstance(identity_, dict) and identity_.get("type") == "Scheduler":
        return
    if thread.is_alive() or isinstance(outcome.get("error"), TimeoutError):
        reason = f"no answer within {timeout:g} s"
    elif "error" in outcome:
        error = outcome["error"]
        reason = (
            f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        )
    else:
        reason = "something answered, but not a Dask scheduler"
    raise ConnectionError(
        f"Could not reach a Dask scheduler at {address!r} ({reason}). Check that "
        "`dask scheduler` runs there and its port is reachable from here, or "
        "use 'local' to start a cluster on this machine."
    )


def connect_scheduler(
    address: str,
    *,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | float | None = "auto",
) -> distributed.Client:
    """Connect to a Dask scheduler, or start a local cluster, and return a Client.

    The client becomes Dask's default scheduler, so later gmmkit fits on Dask
    arrays run there. Close it (``client.close()``) when done; for ``"local"``
    that also stops the cluster, whose dashboard listens on a free port
    (``client.dashboard_link``).

    Parameters
    ----------
    address : str
        ``"tcp://host:port"`` (or ``"host:port"``) of a running scheduler, or
        ``"local"`` to start a ``LocalCluster`` of worker processes here.
    timeout : float, default=10.0
        Seconds to wait for the scheduler to answer before giving up.
    n_workers, threads_per_worker, memory_limit
        Passed to ``LocalCluster`` for ``"local"``; ignored otherwise.

    Returns
    -------
    client : distributed.Client

    Raises
    ------
    ConnectionError
        When nothing answering as a Dask scheduler is at ``address`` within
        ``timeout`` seconds (never waits much longer).
    ImportError
        When ``dask.distributed`` is not installed.
    """
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - dask is in the test env
        raise ImportError(f"Dask clusters need distributed. {INSTALL_HINT}") from error
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"address must be a non-empty string, got {address!r}.")
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise ValueError(f"timeout must be a positive number, got {timeout!r}.")
    address = address.strip()
    if address == "local":
        return Client(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",  # a free port: client.dashboard_link
            timeout=timeout,
        )
    if "://" not in address:
        address = f"tcp://{address}"
    _probe_scheduler(address, timeout)
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise ConnectionError(
            f"Could not connect to the Dask scheduler at {address!r}: {error}."
        ) from None
