"""Stories: the Story vocabulary, the scenario catalogue, one harness session, the app drivers (the
built-in page, an SDK app) and a user's app under test."""
