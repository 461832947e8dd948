"""``python -m service`` runs the ``microcyte`` command."""

from service.entry import main

main()
