"""What every intervention pathway shares, pure: steps that follow one another, each
decided by named grades.

A school's pathway (per category of concern and kind of school) and a whole trust's (per
trigger) are both small graphs of steps: a step with no ``after`` may come first, any other
follows one of the steps it names. One reading of that graph, and one set of checks on it,
serves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class PathwayStep(Protocol):
    """What the graph reads of a step."""

    @property
    def step(self) -> str: ...

    @property
    def after(self) -> list[str]: ...

    @property
    def deciders(self) -> list[str]: ...


def allowed_after(steps: Sequence[PathwayStep], last: str | None) -> list[str]:
    """The steps that may follow ``last`` (None: the first steps), in policy order."""
    if last is None:
        return [s.step for s in steps if not s.after]
    return [s.step for s in steps if last in s.after]


def step_problems(
    where: str, steps: Sequence[PathwayStep], decider_grades: Sequence[str]
) -> list[str]:
    """Every problem of one pathway's steps, in words a policy officer reads: no first step,
    a step listed twice, a step without a decider or with an unknown one, a step following a
    step the pathway does not have."""
    problems: list[str] = []
    codes = [s.step for s in steps]
    if not any(not s.after for s in steps):
        problems.append(f"{where} has no first step")
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"{where}: step {code} is listed more than once")
    for s in steps:
        if not s.deciders:
            problems.append(f"{where}: step {s.step} has no decider")
        for grade in s.deciders:
            if grade not in decider_grades:
                problems.append(f"{where}: step {s.step} names unknown decider {grade}")
        for before in s.after:
            if before not in codes:
                problems.append(f"{where}: step {s.step} follows unknown step {before}")
    return problems
