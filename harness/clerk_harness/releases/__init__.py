"""Releases: the clerk-js bundle cache, the published releases, bisect and survey over them, and set-up."""
