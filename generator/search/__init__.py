"""Search: the index of tagged tips, queries in staff's own words, and related tips.

whoosh is used behind the index module only; `evaluation` scores rankings against
labelled queries passed in by the caller.
"""
