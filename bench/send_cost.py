"""CPU per push in our FCM gateway (firebase-admin's real HTTP code), sequential.

Run:
    .venv/bin/python bench/send_cost.py [--count 3000]

Starts the FCM stand-in in its own process on 127.0.0.1 (no latency), then sends
``--count`` pushes one after another through ``api.push.fcm.FcmGateway`` and prints the
rate and the CPU time of this process per push (wall time includes the stand-in's; CPU
time is ours alone). A cProfile of 500 sends names where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firebase_admin import messaging

from api.config import Config
from api.firebase import init_firebase_app
from api.push.fcm import FcmGateway
from api.push.gateway import PushMessage
from bench.outbox_common import StandInProcess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    standin = StandInProcess()
    try:
        messaging._MessagingService.FCM_URL = standin.url + "/v1/projects/{0}/messages:send"
        gateway = FcmGateway(
            init_firebase_app(Config(environment="test", firebase_project_id="bitewise-test"))
        )
        message = PushMessage(
            "token-" + "x" * 40, "3 questions", "About 1 min.", {"kind": "practice"}
        )
        for _ in range(200):
            assert gateway.send(message).ok
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.count):
            gateway.send(message)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        per_push = cpu / args.count * 1000
        print(
            f"{args.count} sends: {args.count / wall:,.0f}/s wall, {per_push:.3f} ms CPU "
            f"per push ({args.count / cpu:,.0f}/s per core)"
        )
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(500):
            gateway.send(message)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(8)
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
