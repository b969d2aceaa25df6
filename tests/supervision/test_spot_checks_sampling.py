"""The spot-check draw is a pure function of (population, seed, size, checker pool): anyone can
redo it from what is stored and get the same enterprises and the same checkers."""

from __future__ import annotations

from collections import Counter

import pytest

from anwang.supervision.spot_checks import sampling
from anwang.supervision.spot_checks.sampling import ALGORITHM, draw, size_for, verify

POPULATION = list(range(1, 101))
POOL = [7, 3, 9]


def test_known_draw_is_pinned() -> None:
    # If a Python upgrade changes these, stored draws can no longer be verified with
    # "python-random-sample-v1": a new algorithm name is needed, not a new expected value.
    d = draw(POPULATION, 20261124, 5, POOL)
    assert d.sample == (23, 87, 1, 6, 89)
    assert d.checkers == (3, 7, 9, 3, 7)
    assert d.algorithm == ALGORITHM == "python-random-sample-v1"
    big = draw(range(1, 1001), 2**62 + 12345, 8)
    assert big.sample == (502, 775, 952, 275, 707, 136, 993, 552)
    assert big.checkers == (None,) * 8


def test_same_inputs_same_sample_and_checkers() -> None:
    a = draw(POPULATION, 42, 10, POOL)
    b = draw(POPULATION, 42, 10, POOL)
    assert a == b
    assert a.targets() == b.targets()


def test_population_order_and_duplicates_do_not_matter() -> None:
    # The population is a set; its stored (defined) order is ascending.
    shuffled = [*reversed(POPULATION), 5, 5]
    a = draw(POPULATION, 42, 10, POOL)
    b = draw(shuffled, 42, 10, list(reversed(POOL)))
    assert b == a
    assert b.population == tuple(POPULATION)
    assert b.checker_pool == (3, 7, 9)


def test_different_seed_different_sample() -> None:
    a = draw(POPULATION, 42, 10, POOL)
    b = draw(POPULATION, 43, 10, POOL)
    assert a.sample != b.sample


def test_sample_is_distinct_members_of_population() -> None:
    d = draw(POPULATION, sampling.new_seed(), 30, POOL)
    assert len(set(d.sample)) == 30
    assert set(d.sample) <= set(POPULATION)
    assert [pos for pos, _, _ in d.targets()] == list(range(1, 31))


def test_checkers_are_dealt_evenly_from_the_pool() -> None:
    d = draw(POPULATION, 7, 10, POOL)
    counts = Counter(d.checkers)
    assert set(counts) == set(POOL)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_whole_population_can_be_drawn() -> None:
    d = draw(POPULATION, 1, 100)
    assert sorted(d.sample) == POPULATION


def test_new_seed_fits_a_bigint() -> None:
    seeds = {sampling.new_seed() for _ in range(50)}
    assert all(0 <= s <= sampling.MAX_SEED for s in seeds)
    assert len(seeds) > 1


@pytest.mark.parametrize(
    ("pop", "seed", "size"),
    [
        (POPULATION, 1, 0),
        (POPULATION, 1, 101),
        ([], 1, 1),
        (POPULATION, -1, 3),
        (POPULATION, 2**63, 3),
    ],
)
def test_impossible_draws_are_refused(pop: list[int], seed: int, size: int) -> None:
    with pytest.raises(ValueError):
        draw(pop, seed, size)


def test_unknown_algorithm_refused() -> None:
    with pytest.raises(ValueError):
        draw(POPULATION, 1, 3, algorithm="other-v9")


def test_verify_accepts_the_stored_draw_and_flags_a_changed_one() -> None:
    d = draw(POPULATION, 99, 6, POOL)
    stored = d.targets()
    ok = verify(d.population, d.seed, d.size, d.checker_pool, stored)
    assert ok.ok and ok.mismatches == ()
    # Swap in an enterprise that was not drawn at position 3.
    outsider = next(i for i in POPULATION if i not in d.sample)
    tampered = [(p, outsider if p == 3 else t, c) for p, t, c in stored]
    bad = verify(d.population, d.seed, d.size, d.checker_pool, tampered)
    assert not bad.ok and bad.mismatches == (3,)
    # A different checker is a mismatch too.
    other_checker = [(p, t, 999 if p == 1 else c) for p, t, c in stored]
    assert verify(d.population, d.seed, d.size, d.checker_pool, other_checker).mismatches == (1,)
    # A missing target as well.
    assert not verify(d.population, d.seed, d.size, d.checker_pool, stored[:-1]).ok


def test_verify_reports_impossible_inputs() -> None:
    v = verify([], 1, 1, [], [])
    assert not v.ok and v.recomputed is None and v.reason


@pytest.mark.parametrize(
    ("n", "size", "percent", "expected"),
    [(100, 7, None, 7), (100, None, 5, 5), (30, None, 5, 2), (10, None, 1, 1), (3, None, 100, 3)],
)
def test_size_for(n: int, size: int | None, percent: float | None, expected: int) -> None:
    assert size_for(n, size=size, percent=percent) == expected


@pytest.mark.parametrize(
    ("n", "size", "percent"),
    [(0, 1, None), (10, 11, None), (10, None, 0), (10, None, 101), (10, None, None), (10, 2, 5)],
)
def test_size_for_refuses(n: int, size: int | None, percent: float | None) -> None:
    with pytest.raises(ValueError):
        size_for(n, size=size, percent=percent)
