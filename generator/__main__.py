"""`python -m generator` runs the tipkb command line."""

from generator.cli import main

main()
