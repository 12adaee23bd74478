"""Batches concurrent requests' documents into one call of a batch function, run in a worker thread."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Tuple


class MicroBatcher:
    """
    Collects items submitted concurrently (from any number of requests) and passes them to
    `predict_batch` together: a batch is closed when it holds `max_batch_size` items or
    `max_latency` seconds after its first item arrived, whichever comes first. `predict_batch`
    runs in one worker thread (the model is called by one thread at a time, the event loop stays
    free), and must return one result per item, in order. While it runs, new items queue up for
    the next batch.

    # Parameters

    predict_batch : `Callable[[List[Any]], List[Any]]` one result per item.
    max_batch_size : `int`, optional (default = `16`)
    max_latency : `float`, optional (default = `0.01`) seconds a batch waits for more items.
    """

    def __init__(
        self, predict_batch: Callable[[List[Any]], List[Any]], max_batch_size: int = 16, max_latency: float = 0.01
    ) -> None:
        if max_batch_size < 1 or max_latency < 0:
            raise ValueError("max_batch_size must be >= 1 and max_latency >= 0")
        self.predict_batch = predict_batch
        self.max_batch_size = max_batch_size
        self.max_latency = max_latency
        self.batches = 0  # batch calls made
        self.items = 0  # items predicted
        self.largest_batch = 0
        self._queue: Optional[asyncio.Queue] = None
        self._worker: Optional[asyncio.Task] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict")

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def submit(self, items: List[Any]) -> List[Any]:
        """The results of `items` (predicted in the batches they join)."""
        assert self._queue is not None, "call start() first"
        loop = asyncio.get_running_loop()
        futures = []
        for item in items:
            future = loop.create_future()
            self._queue.put_nowait((item, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def _next_batch(self) -> List[Tuple[Any, asyncio.Future]]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self.max_latency
        while len(batch) < self.max_batch_size:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        # Items that arrived while the batch was open but beyond its size wait for the next one.
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            batch = [(item, future) for item, future in batch if not future.cancelled()]
            if not batch:
                continue
            try:
                results = await loop.run_in_executor(self._executor, self.predict_batch, [item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"the batch function returned {len(results)} results for {len(batch)} items")
            except Exception as error:  # the server stays up; these requests get the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.batches += 1
            self.items += len(batch)
            self.largest_batch = max(self.largest_batch, len(batch))
            for (_, future), result in zip(batch, results):
                if not future.done():
                    future.set_result(result)
