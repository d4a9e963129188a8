"""`warta validate`: checks every output in a tree, alone and against the article index.

Checks are functions over bytes (`xml`, `feeds`, `robots`, `amp`) and over what the tree and
the index hold (`crosscheck`); `run.validate_outputs` walks a tree and gathers their findings.
"""

from warta.validate.report import Finding, ValidationReport
from warta.validate.run import validate_outputs

__all__ = ["Finding", "ValidationReport", "validate_outputs"]
