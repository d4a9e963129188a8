"""The status report: what is published and whether it is valid, for people and on-call."""


class StaleStatus(Exception):
    """A write refused: it was made from a remembered copy (`StatusStore.read_to_write`) that
    another writer has replaced since. Read it again (the store has forgotten its copy).

    Here, not in `batches`: the S3 store raises it, and `batches` is off the cold-start path."""
