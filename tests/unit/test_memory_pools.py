"""--memory-pool files: JSON pool lists, GNU ld MEMORY blocks in vendor styles, and the
pool-filling planner."""

from __future__ import annotations

import json
import random

import pytest

from stai.errors import StaiError
from stai.lowering import arena_plan
from stai.lowering.arena_plan import Interval
from stai.memory.pools import (
    config_from_linker_script,
    load_memory_config,
    parse_linker_script,
    parse_pools_json,
    parse_size,
)

# An STM32CubeIDE-style script (ORIGIN/LENGTH, K suffixes, attributes, block comments).
STM32 = """
/* Entry Point */
ENTRY(Reset_Handler)
_estack = ORIGIN(RAM) + LENGTH(RAM);
_Min_Heap_Size = 0x200; /* required amount of heap */
MEMORY
{
  DTCMRAM    (xrw)    : ORIGIN = 0x20000000,   LENGTH = 128K
  RAM_D1     (xrw)    : ORIGIN = 0x24000000,   LENGTH = 512K   /* AXI SRAM */
  ITCMRAM    (xrw)    : ORIGIN = 0x00000000,   LENGTH = 64K
  FLASH      (rx)     : ORIGIN = 0x08000000,   LENGTH = 2048K
}
SECTIONS { .text : { *(.text*) } >FLASH }
"""

# An NXP MCUXpresso-style script (upper-case attributes, hex lengths, expressions).
NXP = """
MEMORY
{
  m_interrupts          (RX)  : ORIGIN = 0x00000000, LENGTH = 0x00000400
  m_text                (RX)  : ORIGIN = 0x00000400, LENGTH = 0x00100000 - 0x400
  m_data                (RW)  : ORIGIN = 0x20000000, LENGTH = 0x00010000
  m_data_2              (RW)  : ORIGIN = 0x20200000, LENGTH = 64 * 1024
}
"""

# GNU ld's short keywords (org/o, len/l), M suffix, // comments, parentheses, no commas
# between the fields, a negated attribute.
SHORT = """
// board: example
MEMORY {
  rom (rx!w) : org = 0x0, len = 1M
  ram (rwx) : o = 0x20000000 l = (16K + 0x800)
  sram2 : ORIGIN = 0x20008000, LENGTH = 8K
}
"""


def test_stm32_script() -> None:
    config = config_from_linker_script(STM32, "stm32.ld")
    assert [(p.name, p.size) for p in config.pools] == [
        ("DTCMRAM", 128 * 1024),
        ("RAM_D1", 512 * 1024),
        ("ITCMRAM", 64 * 1024),
    ]
    assert config.flash is not None and config.flash.name == "FLASH"
    assert config.flash.length == 2048 * 1024 and config.flash.origin == 0x08000000


def test_nxp_script() -> None:
    config = config_from_linker_script(NXP, "nxp.ld")
    assert [(p.name, p.size) for p in config.pools] == [("m_data", 0x10000), ("m_data_2", 65536)]
    assert config.flash is not None and config.flash.name == "m_text"
    assert config.flash.length == 0x100000 - 0x400


def test_short_keywords_and_comments() -> None:
    regions = parse_linker_script(SHORT)
    assert [(r.name, r.origin, r.length) for r in regions] == [
        ("rom", 0, 1024 * 1024),
        ("ram", 0x20000000, 16 * 1024 + 0x800),
        ("sram2", 0x20008000, 8 * 1024),
    ]
    config = config_from_linker_script(SHORT)
    assert [p.name for p in config.pools] == ["ram", "sram2"]  # sram2: a RAM by its name
    assert config.flash is not None and config.flash.name == "rom"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SECTIONS { }", "no MEMORY block"),
        ("MEMORY { RAM (rw) : ORIGIN = 0, LENGTH = }", "cannot parse the MEMORY block"),
        ("MEMORY { RAM (rw) : ORIGIN = 0, LENGTH = 4K", "not closed"),
        ("MEMORY { FLASH (rx) : ORIGIN = 0, LENGTH = 4K }", "no writable"),
        ("MEMORY { }", "declares no region"),
    ],
)
def test_bad_linker_scripts(text: str, message: str) -> None:
    with pytest.raises(StaiError, match=message):
        config_from_linker_script(text, "bad.ld")


def test_json_pools() -> None:
    pools = parse_pools_json(
        json.dumps(
            [
                {"name": "dtcm", "size": "64K", "section": ".dtcm_bss"},
                {"name": "sram", "size": 1000},
            ]
        )
    )
    assert [(p.name, p.size, p.section) for p in pools] == [
        ("dtcm", 65536, ".dtcm_bss"),
        ("sram", 1000, ""),
    ]
    assert parse_pools_json('{"pools": [{"name": "a", "size": "0x10"}]}')[0].size == 16


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope", "not valid JSON"),
        ("[]", "non-empty list"),
        ('[{"size": 4}]', "C identifier"),
        ('[{"name": "a"}]', "missing size"),
        ('[{"name": "a", "size": -1}]', "negative"),
        ('[{"name": "a", "size": "4Q"}]', "number of bytes"),
        ('[{"name": "a", "size": 4, "colour": 1}]', "unknown key"),
        ('[{"name": "a", "size": 4}, {"name": "a", "size": 4}]', "used twice"),
        ('[{"name": "a", "size": 4, "section": "a b"}]', "bad section"),
    ],
)
def test_bad_json(text: str, message: str) -> None:
    with pytest.raises(StaiError, match=message):
        parse_pools_json(text)


def test_load_by_file(tmp_path) -> None:
    ld = tmp_path / "board.ld"
    ld.write_text(STM32)
    assert load_memory_config(ld).flash is not None
    js = tmp_path / "pools.json"
    js.write_text('[{"name": "a", "size": 8}]')
    assert load_memory_config(js).flash is None
    with pytest.raises(StaiError, match="not found"):
        load_memory_config(tmp_path / "missing.json")


def test_parse_size() -> None:
    assert [parse_size(v, "x") for v in (7, "7", "2K", "1m", "0x20")] == [7, 7, 2048, 1 << 20, 32]
    with pytest.raises(StaiError):
        parse_size(True, "x")


# ------------------------------------------------------------------- the planner


def _random(rng: random.Random) -> list[Interval]:
    steps = rng.randint(1, 20)
    out = []
    for _ in range(rng.randint(1, 30)):
        first = rng.randrange(steps)
        out.append(
            Interval(
                rng.choice([0, 4, 16, 100, rng.randint(1, 999)]),
                first,
                rng.randint(first, steps - 1),
            )
        )
    return out


@pytest.mark.parametrize("seed", range(200))
def test_best_plan_and_pools_are_sound(seed: int) -> None:
    rng = random.Random(seed)
    ivs = _random(rng)
    align = rng.choice([1, 4, 16])
    best = arena_plan.plan_best(ivs, align)
    assert arena_plan.find_conflict(ivs, best.plan.offsets) is None
    assert best.plan.size <= arena_plan.plan_greedy_by_size(ivs, align).size
    assert all(o % align == 0 for o in best.plan.offsets)
    caps = [rng.randint(0, best.plan.size), rng.randint(0, best.plan.size), best.plan.size]
    plan = arena_plan.plan_pools(ivs, caps, align)
    for p, cap in enumerate(caps):
        members = [i for i in range(len(ivs)) if plan.pools[i] == p and ivs[i].size]
        sub = [ivs[i] for i in members]
        assert arena_plan.find_conflict(sub, [plan.offsets[i] for i in members]) is None
        assert all(plan.offsets[i] + ivs[i].size <= min(cap, plan.sizes[p]) for i in members)


def test_pools_fill_the_first_pool_first() -> None:
    ivs = [Interval(100, 0, 1), Interval(100, 1, 2), Interval(40, 0, 2)]
    plan = arena_plan.plan_pools(ivs, [140, 1000])
    assert plan.sizes[0] <= 140 and plan.sizes[1] == 100
    whole = arena_plan.plan_pools(ivs, [1000, 1000])
    assert whole.sizes == [240, 0]


def test_pool_overflow_names_the_missing_bytes() -> None:
    both = [Interval(100, 0, 1), Interval(100, 1, 1)]
    with pytest.raises(arena_plan.PoolOverflow, match="40 bytes missing") as e:
        arena_plan.plan_pools(both, [100, 60])
    assert e.value.missing == 40
    with pytest.raises(arena_plan.PoolOverflow, match="20 bytes missing .a 100-byte buffer"):
        arena_plan.plan_pools(both, [80, 1000 - 920])
