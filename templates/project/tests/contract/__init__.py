"""The shared contract: every track meets it, through the track interface."""
