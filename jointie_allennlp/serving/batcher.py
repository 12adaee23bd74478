"""Batches concurrent requests' documents into calls of a batch function, run in a worker thread."""
import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Sequence, Tuple

# (size, arrival, item, future): the queue hands out the smallest item first, ties in arrival order
_Entry = Tuple[int, int, Any, asyncio.Future]


class MicroBatcher:
    """
    Collects items submitted concurrently (from any number of requests) and passes them to
    `predict_batch` together. A batch is closed when it holds `max_batch_size` items, when the
    next item would take it past `max_batch_characters` (an item larger than that runs alone), or
    `max_latency` seconds after its first item arrived, whichever comes first.

    Items wait in order of size, smallest first (ties in arrival order): a short document of one
    client waits for at most the batch running when it arrives, not for the long documents queued
    before it. An item whose request is gone (its future cancelled, e.g. by the request's time
    budget) is dropped before it runs. `predict_batch` runs in one worker thread (the model is
    called by one thread at a time, the event loop stays free), and returns one result per item,
    in order. When it raises for a batch of several items, each item is retried alone, so only
    the item that fails gets the exception.

    # Parameters

    predict_batch : `Callable[[List[Any]], List[Any]]` one result per item.
    max_batch_size : `int`, optional (default = `16`)
    max_latency : `float`, optional (default = `0.01`) seconds a batch waits for more items.
    max_batch_characters : `int`, optional (default = no bound) the sum of the items' sizes
        (as given to `submit`) in one batch.
    """

    def __init__(
        self,
        predict_batch: Callable[[List[Any]], List[Any]],
        max_batch_size: int = 16,
        max_latency: float = 0.01,
        max_batch_characters: Optional[int] = None,
    ) -> None:
        if max_batch_size < 1 or max_latency < 0 or (max_batch_characters is not None and max_batch_characters < 1):
            raise ValueError("max_batch_size and max_batch_characters must be >= 1 and max_latency >= 0")
        self.predict_batch = predict_batch
        self.max_batch_size = max_batch_size
        self.max_latency = max_latency
        self.max_batch_characters = max_batch_characters
        self.batches = 0  # batch calls made
        self.items = 0  # items predicted
        self.largest_batch = 0
        self.dropped = 0  # items whose request was gone before they ran
        self._arrivals = itertools.count()
        self._queue: Optional[asyncio.PriorityQueue] = None
        self._worker: Optional[asyncio.Task] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict")

    async def start(self) -> None:
        self._queue = asyncio.PriorityQueue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def submit(self, items: Sequence[Any], sizes: Optional[Sequence[int]] = None) -> List[Any]:
        """
        The results of `items` (predicted in the batches they join), in order; an item whose
        prediction raised gives its exception in its place. `sizes` (default: all `1`) orders the
        queue and bounds a batch's `max_batch_characters`. Cancelling the call drops the items
        that have not run yet.
        """
        assert self._queue is not None, "call start() first"
        loop = asyncio.get_running_loop()
        futures = []
        for item, size in zip(items, sizes if sizes is not None else [1] * len(items)):
            future = loop.create_future()
            self._queue.put_nowait((size, next(self._arrivals), item, future))
            futures.append(future)
        try:
            return list(await asyncio.gather(*futures, return_exceptions=True))
        finally:
            for future in futures:
                future.cancel()  # no effect on finished ones

    async def _get_live(self, deadline: Optional[float] = None) -> _Entry:
        """The next queued entry whose request still waits for it (`asyncio.TimeoutError` when the
        queue holds none by the loop time `deadline`)."""
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue.empty():
                entry = self._queue.get_nowait()
            elif deadline is None:
                entry = await self._queue.get()
            elif deadline - loop.time() <= 0:
                raise asyncio.TimeoutError
            else:
                entry = await asyncio.wait_for(self._queue.get(), deadline - loop.time())
            if not entry[3].done():
                return entry
            self.dropped += 1

    async def _next_batch(self) -> List[_Entry]:
        """Queued items arriving within `max_latency` of the first, up to the batch bounds."""
        assert self._queue is not None
        batch = [await self._get_live()]
        characters = batch[0][0]
        deadline = asyncio.get_running_loop().time() + self.max_latency
        while len(batch) < self.max_batch_size:
            try:
                entry = await self._get_live(deadline)
            except asyncio.TimeoutError:
                break
            if self.max_batch_characters is not None and characters + entry[0] > self.max_batch_characters:
                self._queue.put_nowait(entry)  # the first of the next batch
                break
            batch.append(entry)
            characters += entry[0]
        return batch

    def _predict_isolated(self, items: List[Any]) -> List[Any]:
        """`predict_batch(items)`, or when it raises, each item alone (its exception as its result)."""
        try:
            results = list(self.predict_batch(items))
            if len(results) != len(items):
                raise RuntimeError(f"the batch function returned {len(results)} results for {len(items)} items")
            return results
        except Exception as error:  # noqa: BLE001  the server stays up; find the failing item(s)
            if len(items) == 1:
                return [error]
        return [self._predict_isolated([item])[0] for item in items]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            live = [entry for entry in batch if not entry[3].done()]
            self.dropped += len(batch) - len(live)
            if not live:
                continue
            results = await loop.run_in_executor(self._executor, self._predict_isolated, [e[2] for e in live])
            self.batches += 1
            self.items += len(live)
            self.largest_batch = max(self.largest_batch, len(live))
            for (_, _, _, future), result in zip(live, results):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
