"""Reports of outcomes: plain text for the terminal and pytest, and the self-contained HTML report."""
