"""The matrix: one run (runner), the scenario x version x engine jobs in worker processes, shards,
results files and their merge, JUnit and the job summary."""
