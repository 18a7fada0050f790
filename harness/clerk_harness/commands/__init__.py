"""`clerk-harness` commands: the parser, the shared options and exit codes, and one module per command
(or close family); `clerk_harness.cli` dispatches to them."""
