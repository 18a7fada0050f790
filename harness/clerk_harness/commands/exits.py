"""The exit codes every command shares: 0 survived (or done), 1 lost (or an unexpected verdict), 2 an error
or bad input, 130 interrupted (as a shell reports a Ctrl-C)."""

EXIT_SURVIVED, EXIT_LOST, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130
