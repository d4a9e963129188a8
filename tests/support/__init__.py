"""Test support code shared by tests and `make stress`: event logs and the reference model."""
