"""Browser plumbing: finding and launching Chromium or Firefox (launch, firefox, remote), the guard that
ends them, the warm browser, the driver's scratch folder and compile cache, and what a run does to the
browser: network modes, visibility, the virtual clock, the online flip and the page bindings."""
