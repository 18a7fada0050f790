"""Explore: Hypothesis stateful testing over the Story vocabulary (search), its step vocabulary, the
causes of known findings, the invariant checked after every step, the budget, and findings with their
replays."""
