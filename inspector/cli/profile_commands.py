"""`inspector profiles list|check [NAME]`: the profiles of the profile file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    del sub
