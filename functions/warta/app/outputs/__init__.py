"""One module per output kind: each turns an `OutputKey` into store changes, reading the index.

These are the seam between pure renderers (`warta.core.render`) and state: they ask the index
for what an output shows now and hand it to a renderer.
"""
