import asyncio
import logging

log = logging.getLogger(__name__)


async def worker(name: str, queue: asyncio.Queue) -> None:
    while True:
        item = await queue.get()
        try:
            await asyncio.sleep(item / 100)
            log.info("%s processed %s", name, item)
        finally:
            queue.task_done()


async def main() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(20):
        queue.put_nowait(i)
    tasks = [asyncio.create_task(worker(f"w{i}", queue)) for i in range(3)]
    await queue.join()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
