"""Search: the index of tagged tips, queries in staff's own words, and related tips.

whoosh's engine is used behind the index module only (analysis borrows its Porter
stemmer); `evaluation` scores rankings against labelled queries passed in by the caller.
"""
