"""fnzero's benchmarks: ``python -m benchmarks.run`` and the scripts listed in benchmarks/README.md."""
