"""Monitoring: drift reports and alert delivery."""
