"""Serve the sample graph in a child process: `python -m w3c.serve_sample` prints `PORT n`.

Hostile-query tests need their server in its own process: a store that cannot cancel a
runaway query keeps a thread busy until the process ends, and that must not be pytest's.
"""
import argparse
import socket
import sys

import uvicorn

from policykg.api.app import create_app
from w3c.fixtures import load_sample
from w3c.fixtures import open_test_store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store-dir", required=True)
    ap.add_argument("--token")
    ap.add_argument("--timeout", type=float, default=10.0)   # generous: a loaded CI machine is slow
    ap.add_argument("--grace", type=float, default=1.0)
    ap.add_argument("--max-rows", type=int, default=1000)
    ap.add_argument("--ring", type=int, default=200)
    args = ap.parse_args()
    store = open_test_store(args.store_dir)
    load_sample(store, ring_size=args.ring)
    app = create_app(store, update_token=args.token, query_timeout=args.timeout, max_rows=args.max_rows)
    app.state.limits.grace = args.grace
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
