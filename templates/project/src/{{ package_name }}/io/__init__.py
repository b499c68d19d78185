"""Side effects: files, fingerprints, artifacts and the run log."""
