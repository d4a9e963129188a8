"""The status report: what is published and whether it is valid, for people and on-call."""
