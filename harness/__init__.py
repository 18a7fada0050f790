"""Browser harness: drives the real clerk-js bundle against the fake backend and judges session loss."""
