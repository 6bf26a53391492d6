"""Markings of records the CLI produces: ``--marking`` text or the policy's own."""

from __future__ import annotations

from beltwatch.errors import InputError
from beltwatch.formats import parse_marking
from beltwatch.sharing import Policy
from beltwatch.values import Markings


def own_markings(policy: Policy, text: str | None) -> Markings:
    """``--marking`` when given (its level must be one the policy knows), else the
    policy's ``[markings] own``; an error naming the option when neither is usable."""
    if text is not None:
        markings = parse_marking(text, field="marking", foreign=policy.foreign_markings)
        if policy.rank(markings.level) is None:
            raise InputError(
                f"level {markings.level!r} is not one of the policy's levels "
                f"({', '.join(policy.levels)})",
                field="marking",
            )
        return markings
    if policy.own_markings is None:
        raise InputError(
            f"{policy.source} has no [markings] own entry; give --marking", field="marking"
        )
    return policy.own_markings
