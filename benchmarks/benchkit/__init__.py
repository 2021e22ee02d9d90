"""The parts of ``benchmarks/bench.py``, one responsibility per module.

- :mod:`benchkit.grid`: the benchmark points, their data and their start.
- :mod:`benchkit.fits`: one fit of either library, with the shared settings.
- :mod:`benchkit.load`: whether other work competes for the cores.
- :mod:`benchkit.timing`: timed runs, interleaved in alternating pairs.
- :mod:`benchkit.memory`: peak memory of a fit, in child processes.
- :mod:`benchkit.machine`: the CPU, BLAS, threads, GEMM peak and sources.
- :mod:`benchkit.run`: the whole grid, measured in order, with progress.
- :mod:`benchkit.render`: the markdown report, one function per section.

``benchmarks/`` is put on ``sys.path`` by ``bench.py`` itself, so the package
imports the same way whether the script is run as a file or loaded by a test.
"""
