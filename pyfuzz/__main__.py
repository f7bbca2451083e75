"""`python -m pyfuzz`: the same command line as the `pyfuzz` script."""

from pyfuzz.cli import entry

entry()
