"""``python -m service`` runs the ``microcyte`` command."""

from service.cli import main

main()
