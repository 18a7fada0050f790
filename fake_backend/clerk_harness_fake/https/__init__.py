"""The production topology's HTTPS front and the certificate it serves (see front.py)."""
