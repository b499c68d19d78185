"""Run the command line with ``python -m mlscaffold``."""

from mlscaffold.cli import main

if __name__ == "__main__":
    main(prog_name="mlscaffold")
