"""The micro-batcher: size and latency bounds, order of results, a failing batch."""
import asyncio
import time

import pytest

from jointie_allennlp.serving.batcher import MicroBatcher


def test_concurrent_submissions_share_batches_up_to_the_size_bound():
    calls = []

    def double(items):
        calls.append(list(items))
        time.sleep(0.02)  # a model call: while it runs, new items queue for the next batch
        return [2 * x for x in items]

    async def scenario():
        batcher = MicroBatcher(double, max_batch_size=4, max_latency=0.05)
        await batcher.start()
        results = await asyncio.gather(*(batcher.submit([i]) for i in range(10)), batcher.submit([100, 101]))
        await batcher.stop()
        return batcher, results

    batcher, results = asyncio.run(scenario())
    assert results == [[2 * i] for i in range(10)] + [[200, 202]]
    assert sorted(x for call in calls for x in call) == list(range(10)) + [100, 101]
    assert all(len(call) <= 4 for call in calls) and len(calls) == batcher.batches < 12
    assert batcher.items == 12 and batcher.largest_batch == 4


def test_a_lone_item_waits_at_most_the_latency_bound():
    async def scenario():
        batcher = MicroBatcher(lambda items: items, max_batch_size=64, max_latency=0.05)
        await batcher.start()
        start = time.monotonic()
        result = await batcher.submit(["x"])
        elapsed = time.monotonic() - start
        await batcher.stop()
        return result, elapsed

    result, elapsed = asyncio.run(scenario())
    assert result == ["x"] and 0.04 <= elapsed < 2.0


def test_a_failing_batch_fails_its_requests_and_the_batcher_goes_on():
    def fragile(items):
        if "bad" in items:
            raise RuntimeError("model failure")
        return [item.upper() for item in items]

    async def scenario():
        batcher = MicroBatcher(fragile, max_batch_size=8, max_latency=0.0)
        await batcher.start()
        with pytest.raises(RuntimeError, match="model failure"):
            await batcher.submit(["bad"])
        result = await batcher.submit(["good"])
        await batcher.stop()
        return result

    assert asyncio.run(scenario()) == ["GOOD"]
