"""Run by test_querylog_durability: submit records in two bursts, print their ids, wait to be killed."""

import asyncio
import json
import sys
from pathlib import Path

from bot.querylog import QueryLog
from tests.querylog_helpers import FAST, make_record, settings_for


async def main(url: str, data_dir: Path, count: int) -> None:
    log = await QueryLog.start(settings_for(url, data_dir), FAST)
    ids = [log.submit(make_record(n, f"question {n}")) for n in range(count // 2)]
    await asyncio.sleep(0.1)
    ids += [log.submit(make_record(n, f"question {n}")) for n in range(count // 2, count)]
    print(json.dumps(ids), flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
