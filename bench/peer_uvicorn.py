"""``uvicorn --workers N`` with TCP_NODELAY on its connections, which the stock command loses.

Not imported by the project: bench/peer_servers.py copies it beside the HealthChain app in the
throwaway virtualenv's folder and runs it there. With more than one worker, uvicorn's
supervisor binds the listening socket itself and leaves its ``proto`` at 0; accepted sockets
inherit it, and asyncio sets TCP_NODELAY only on sockets that report IPPROTO_TCP. Nagle's
algorithm then holds each keep-alive answer until the client's delayed ACK, about 40 ms on
Linux, whatever the app does (Kludex/uvicorn#3149, open against uvicorn 0.54). That would
measure uvicorn's bug, not HealthChain, so this does what ``uvicorn.main.run`` does for
``--workers N``, with the one change the fixes proposed upstream make (Kludex/uvicorn#3154, not merged): the
listening socket says it is TCP.

    python serve_nodelay.py MODULE:APP HOST PORT WORKERS
"""

import socket
import sys

from uvicorn.config import Config
from uvicorn.supervisors import Multiprocess


def main() -> None:
    app, host, port, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    config = Config(app, host=host, port=port, workers=workers, access_log=False, log_level="warning")
    bound = config.bind_socket()
    listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    listener.set_inheritable(True)
    Multiprocess(config, sockets=[listener]).run()


if __name__ == "__main__":
    main()
