"""The ``microcyte`` command's entry point, which patches the process for gevent before serving.

``microcyte serve`` runs gevent workers (service/worker.py). gevent must patch the standard
library before anything imports it: urllib3 and PyJWT take ``SSLContext`` from ``ssl`` at
import, and a worker patching only after the fork left them the blocking class, so a TLS read
of an HTTPS FHIR fetch would have frozen every connection of its worker. The other commands
serve nothing and are left unpatched.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        from gevent import monkey

        monkey.patch_all()
    from service.cli import main as command

    command()
