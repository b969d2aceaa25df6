"""The draw of a spot check 双随机抽查: which enterprises, and which checker for each, as a pure
function of (population, seed, size, checker pool), so that anyone can redo it and audit it.

Algorithm "python-random-sample-v1":
1. the population is the set of enterprise ids, in ascending order; the checker pool likewise;
2. `rng = random.Random(seed)` (a non-negative integer below 2**63);
3. the sample is `rng.sample(population, size)`, in the order drawn (its positions);
4. with the same generator, `order = rng.sample(pool, len(pool))` deals the checkers out in
   turn: the target at position i gets `order[i % len(pool)]` (no checker when the pool is empty),
   so every checker gets the same number of targets give or take one.
The result depends on CPython's `random` (Mersenne Twister, `sample` and `_randbelow`); a test
pins a known draw, and an incompatible change of Python would need a new algorithm name.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALGORITHM = "python-random-sample-v1"
ALGORITHMS = (ALGORITHM,)
SEED_BITS = 63  # the seed is stored in a bigint column
MAX_SEED = 2**SEED_BITS - 1


def new_seed() -> int:
    """A fresh seed from the operating system's secure source."""
    return secrets.randbits(SEED_BITS)


def normalise(ids: Iterable[int]) -> tuple[int, ...]:
    """The defined order of a population or a checker pool: distinct ids, ascending."""
    return tuple(sorted({int(i) for i in ids}))


def size_for(population_size: int, *, size: int | None = None, percent: float | None = None) -> int:
    """The number of enterprises to draw: `size` as given, or `percent` of the population
    rounded up (at least one). Raises ValueError when it cannot be drawn."""
    if population_size <= 0:
        raise ValueError("population is empty")
    if (size is None) == (percent is None):
        raise ValueError("give either a size or a percentage")
    if percent is not None:
        if not 0 < percent <= 100:
            raise ValueError("percentage must be in (0, 100]")
        # Rounded to 1e-9 first so that 5 % of 100 is 5, not 6 from 5.000000000000001.
        size = max(1, math.ceil(round(population_size * percent / 100, 9)))
    assert size is not None
    if not 1 <= size <= population_size:
        raise ValueError("size must be between 1 and the population size")
    return size


@dataclass(frozen=True)
class Draw:
    """A draw: its inputs as stored (normalised) and its outcome, position by position."""

    population: tuple[int, ...]
    checker_pool: tuple[int, ...]
    seed: int
    size: int
    sample: tuple[int, ...]
    checkers: tuple[int | None, ...]
    algorithm: str = ALGORITHM

    def targets(self) -> list[tuple[int, int, int | None]]:
        """(position, enterprise id, checker user id) in the order drawn; positions from 1."""
        return [
            (i + 1, t, c) for i, (t, c) in enumerate(zip(self.sample, self.checkers, strict=True))
        ]


def draw(
    population: Iterable[int],
    seed: int,
    size: int,
    checker_pool: Iterable[int] = (),
    algorithm: str = ALGORITHM,
) -> Draw:
    """Draw `size` enterprises of `population` and a checker for each, from `seed`."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown sampling algorithm {algorithm!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError("seed must be a non-negative integer below 2**63")
    pop = normalise(population)
    pool = normalise(checker_pool)
    if not 1 <= size <= len(pop):
        raise ValueError("size must be between 1 and the population size")
    rng = random.Random(seed)
    sample = tuple(rng.sample(pop, size))
    order = rng.sample(pool, len(pool))
    checkers: tuple[int | None, ...] = (
        tuple(order[i % len(order)] for i in range(size)) if order else (None,) * size
    )
    return Draw(pop, pool, seed, size, sample, checkers, algorithm)


@dataclass(frozen=True)
class Verification:
    """The stored outcome against the one recomputed from the stored inputs."""

    ok: bool
    recomputed: Draw | None
    mismatches: tuple[int, ...]  # positions (from 1) where the stored target differs
    reason: str = ""


def verify(
    population: Sequence[int],
    seed: int,
    size: int,
    checker_pool: Sequence[int],
    stored: Sequence[tuple[int, int, int | None]],
    algorithm: str = ALGORITHM,
) -> Verification:
    """Redo the draw from the stored inputs and compare it with the stored targets
    `(position, enterprise id, checker user id)`."""
    try:
        again = draw(population, seed, size, checker_pool, algorithm)
    except ValueError as e:
        return Verification(False, None, (), str(e))
    expected = {pos: (t, c) for pos, t, c in again.targets()}
    got = {pos: (t, c) for pos, t, c in stored}
    positions = sorted(set(expected) | set(got))
    mismatches = tuple(p for p in positions if expected.get(p) != got.get(p))
    return Verification(not mismatches, again, mismatches)
