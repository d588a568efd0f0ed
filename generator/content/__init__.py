"""Content: the tip file format, its schema, the taxonomy and its rule language, and loading.

The second stage of the flow: `load` reads content/tips/*.md and taxonomy.yml and
validates them as a whole (every problem at once, as `path:line: message`); markup
safety, near-duplicates, the new-tip scaffold and which tips are visible live here
too, because every later stage starts from checked content.
"""
