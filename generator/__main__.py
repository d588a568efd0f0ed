"""`python -m generator` runs the tipkb command line."""

from .cli import main

main()
