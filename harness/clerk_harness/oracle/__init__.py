"""The oracle: the cookie timeline, the proof that the session was stressed, the evidence of a run and the
verdict with its rules, and the page bindings that carry the page's reports. Nothing here drives a
browser."""
