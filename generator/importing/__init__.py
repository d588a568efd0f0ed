"""Importing: scraped blog pages become tip files (the first stage of the flow).

parse (page text → posts + warnings) → merge (one post per tip) → plan (compare with
the files already there) → write (all or nothing; ``import_pages``).
"""
