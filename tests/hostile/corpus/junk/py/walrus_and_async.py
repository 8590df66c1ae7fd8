import asyncio

async def main(items):
    if (n := len(items)) > 1:
        return [x async for x in agen()]
    return n
