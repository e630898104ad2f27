"""`inspector proofs …` and `inspector approvals …`: proofs to the test devices with
sign-off, and the two-person rule for one-off production sends."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    del sub
