"""The AMP page renderer as it was until core.render.html_out: an lxml tree, serialised.

Kept unchanged as the oracle of tests/test_html_out.py, which checks that the string-writing
renderer gives these bytes for any body. A deliberate change of the page's bytes changes this
copy in the same commit.
"""
