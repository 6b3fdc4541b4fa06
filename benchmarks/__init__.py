"""Benchmarks of the service (`make bench`): each module measures one thing against a baseline of the same run."""
