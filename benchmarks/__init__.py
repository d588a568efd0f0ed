"""Speed and size benchmarks: `make bench`."""
