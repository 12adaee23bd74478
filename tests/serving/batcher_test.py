"""The micro-batcher: size and latency bounds, order of results, a failing batch."""
import asyncio
import threading
import time

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


def test_a_failing_item_gets_its_exception_and_the_others_of_its_batch_their_results():
    calls = []

    def fragile(items):
        calls.append(list(items))
        if "bad" in items:
            raise RuntimeError("model failure")
        return [item.upper() for item in items]

    async def scenario():
        batcher = MicroBatcher(fragile, max_batch_size=8, max_latency=0.05)
        await batcher.start()
        results = await batcher.submit(["good", "bad", "fine"])
        later = await batcher.submit(["next"])
        await batcher.stop()
        return results, later

    (good, bad, fine), later = asyncio.run(scenario())
    assert (good, fine, later) == ("GOOD", "FINE", ["NEXT"])
    assert isinstance(bad, RuntimeError) and str(bad) == "model failure"
    assert calls == [["good", "bad", "fine"], ["good"], ["bad"], ["fine"], ["next"]]


def test_short_items_go_first_and_a_batch_holds_at_most_max_batch_characters():
    calls = []

    def record(items):
        calls.append(list(items))
        return items

    async def scenario():
        batcher = MicroBatcher(record, max_batch_size=8, max_latency=0.05, max_batch_characters=10)
        await batcher.start()
        long = ["L" * 12, "M" * 8]
        short = ["a", "bb", "ccc", "dddd"]
        results = await asyncio.gather(
            batcher.submit(long, sizes=[len(x) for x in long]), batcher.submit(short, sizes=[len(x) for x in short])
        )
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert results == [["L" * 12, "M" * 8], ["a", "bb", "ccc", "dddd"]]
    # shortest first; a batch closes before the item that would take it past 10 characters;
    # an item longer than 10 runs alone
    assert calls == [["a", "bb", "ccc", "dddd"], ["M" * 8], ["L" * 12]]


def test_items_of_a_cancelled_request_are_dropped_before_they_run():
    calls = []
    started = threading.Event()

    def slow(items):
        calls.append(list(items))
        started.set()
        time.sleep(0.2)  # the first batch runs while the second request is cancelled
        return items

    async def scenario():
        batcher = MicroBatcher(slow, max_batch_size=1, max_latency=0.0)
        await batcher.start()
        first = asyncio.create_task(batcher.submit(["first"]))
        abandoned = asyncio.create_task(batcher.submit(["x", "y", "z"], sizes=[5, 5, 5]))
        await asyncio.get_running_loop().run_in_executor(None, started.wait)
        abandoned.cancel()
        result = await first
        after = await batcher.submit(["after"])
        await batcher.stop()
        return result, after, abandoned.cancelled(), batcher

    result, after, cancelled, batcher = asyncio.run(scenario())
    assert result == ["first"] and after == ["after"] and cancelled
    assert calls == [["first"], ["after"]] and batcher.dropped == 3 and batcher.items == 2
