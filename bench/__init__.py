"""Benchmarks: `make bench` runs every module here, each printing its figures beside a baseline."""
