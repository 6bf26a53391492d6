"""Property tests (hypothesis): random markings, derivation chains and releases find no leak."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beltwatch.sharing import load_policy, release
from beltwatch.values import Markings

POLICY = load_policy()
PARTNERS = sorted(POLICY.partners)
NAMES = [
    "USA",
    "JPN",
    "GBR",
    "AUS",
    "CAN",
    "NZL",
    "FRA",
    "DEU",
    "KOR",
    "FVEY",
    "MN_CELL",
    "GLOBAL_SENTINEL",
    "UNKNOWN_GROUP",
]
LEVELS = [*POLICY.levels, "BOGUS"]

markings = st.builds(
    Markings,
    owner=st.sampled_from(["USA", "JPN", "GBR", "FRA"]),
    level=st.sampled_from(LEVELS),
    releasable_to=st.frozensets(st.sampled_from(NAMES), max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(markings.filter(lambda m: m.level != "BOGUS"), min_size=1, max_size=6),
    steps=st.lists(st.lists(st.integers(0, 100), min_size=1, max_size=4), max_size=6),
)
def test_derived_records_never_leak(raw, steps) -> None:
    """A record derived (through any chain) is releasable only where all its raw inputs are,
    and is at least as sensitive as each of them."""
    pool = [(m, {i}) for i, m in enumerate(raw)]
    for picks in steps:
        chosen = [pool[p % len(pool)] for p in picks]
        derived = POLICY.combine([m for m, _ in chosen])
        ancestors = set().union(*(a for _, a in chosen))
        pool.append((derived, ancestors))
        for partner in PARTNERS:
            if POLICY.releasable(derived, partner):
                assert all(POLICY.releasable(raw[i], partner) for i in ancestors)
        assert POLICY.rank(derived.level) >= max(POLICY.rank(raw[i].level) for i in ancestors)


@settings(max_examples=300, deadline=None)
@given(a=markings, b=markings, partner=st.sampled_from(PARTNERS))
def test_releasable_is_monotone_in_sensitivity(a, b, partner) -> None:
    """Removing nations or raising the level never makes a record more releasable."""
    narrower = Markings(a.owner, a.level, a.releasable_to & b.releasable_to)
    if POLICY.releasable(narrower, partner):
        assert POLICY.releasable(a, partner)
    if a.level in POLICY.levels and b.level in POLICY.levels:
        higher = POLICY.levels[max(POLICY.rank(a.level), POLICY.rank(b.level))]
        if POLICY.releasable(Markings(a.owner, higher, a.releasable_to), partner):
            assert POLICY.releasable(a, partner)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    marks=st.lists(markings, min_size=1, max_size=8),
    partner=st.sampled_from(PARTNERS),
    kind=st.just("observations"),
)
def test_release_gate_leaks_nothing(marks, partner, kind, oracle, make_observation) -> None:
    """Whatever the markings, the gate releases exactly what the hand-written oracle allows,
    and every released record's own marking is releasable to the partner."""
    records = [make_observation(i, m) for i, m in enumerate(marks)]
    result = release(records, kind, partner, POLICY)
    got = {d.record_id: d.rule for d in result.decisions if d.released}
    want = {}
    for r in records:
        m = r.markings
        verdict = oracle.expected(kind, m.owner, m.level, set(m.releasable_to), partner)
        if verdict is not None:
            want[r.obs_id] = verdict
    assert got == want
    for record in result.records:
        assert POLICY.releasable(record.markings, partner)
