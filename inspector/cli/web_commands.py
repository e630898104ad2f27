"""`inspector serve` and `inspector users`: the inspector in a browser, behind a login."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    del sub
