"""FIX codec speed, and proof that parsing stays linear in buffered input.

Parses N NewOrderSingle messages handed over (a) in one buffer, (b) in 1,460-byte reads (a
TCP segment), (c) 7 bytes at a time; for N = 10,000 and 100,000. A linear parser takes ten
times as long for ten times the messages, whatever the cut; a quadratic one would take a
hundred times as long in (a).

Usage: python bench/bench_fix_codec.py
"""

from __future__ import annotations

import time
from decimal import Decimal

from openoms.adapters.fix.codec import FixMessage, FixParser, encode

from common import header


def messages(n: int) -> bytes:
    return b"".join(encode("FIX.4.4", "D", [
        (49, "CLIENT1"), (56, "OPENOMS"), (34, i), (52, "20261123-14:30:00.000"),
        (11, f"ORD{i}"), (1, "ACME"), (55, "AAPL"), (54, 1), (60, "20261123-14:30:00.000"),
        (38, Decimal(100)), (40, 2), (44, Decimal("190.05")), (59, 0)]) for i in range(n))


def parse(stream: bytes, chunk: int) -> tuple[float, int]:
    parser = FixParser()
    count = 0
    started = time.perf_counter()
    for pos in range(0, len(stream), chunk):
        parser.feed(stream[pos:pos + chunk])
        for item in parser:
            count += isinstance(item, FixMessage)
    return time.perf_counter() - started, count


def main() -> None:
    header("bench_fix_codec: FIX parsing rate and linearity")
    started = time.perf_counter()
    stream = messages(100_000)
    encode_rate = 100_000 / (time.perf_counter() - started)
    small = messages(10_000)
    print(f"encode: {encode_rate:,.0f} messages/s ({len(stream) // 100_000} bytes each)")
    for label, chunk in (("one buffer", 1 << 30), ("1,460-byte reads", 1460),
                         ("7-byte reads", 7)):
        t_small, n_small = parse(small, chunk)
        t_large, n_large = parse(stream, chunk)
        assert (n_small, n_large) == (10_000, 100_000)
        print(f"{label:17} 10k: {n_small / t_small:>9,.0f} msg/s   100k: "
              f"{n_large / t_large:>9,.0f} msg/s   time ratio 100k/10k: "
              f"{t_large / t_small:.1f} (linear = 10)")


if __name__ == "__main__":
    main()
