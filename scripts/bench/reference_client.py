#!/usr/bin/env python3
"""The think-while-edit loop as a plain Python client would run it, for CPU per turn beside thinkedit's.

    pip install httpx pillow
    python3 scripts/bench/reference_client.py [--count N] [--image-size PX] [--max-turns T]
                                              [--concurrency C] [--delay-ms MS] [--server PATH]

Starts `thinkedit-fake-server --image-size PX --delay-ms MS` (the server `thinkedit bench
generate-http --image-size PX` uses), then runs N trajectories against it the way EditThinker's
inference script does the loop, in asyncio with httpx instead of requests in a thread pool:
every image is decoded with PIL and re-encoded to PNG base64 for each call that sends it. Per
turn: the expert (from turn 2; source and previous edit), the editor (source and instruction),
and two judge calls (source and edit; the edit alone). Prints the process CPU time per turn
(`time.process_time`, this process only), the wall time and the turns.

Like `bench generate-http --image-size`, the pool has 32 photo-like sources of that size: here the
fake editor's own answers to 32 first requests (the same generator, `SyntheticPhoto`, made them).
"""
import argparse
import asyncio
import base64
import io
import json
import os
import subprocess
import sys
import time

import httpx
from PIL import Image

EXPERT = ("You are an image-editing expert. Compare the edited image with the source and the request, "
          "then answer in JSON with is_satisfied, reason and new_rewritten_prompt.\n"
          "Request: {instruction}\nInstruction the editor ran: {previous}")
JUDGE_SEMANTIC = "Rate how well the second image carries out the request on the first: {instruction}. Answer JSON with score and reasoning."
JUDGE_QUALITY = "Rate the naturalness and the absence of artifacts of this image. Answer JSON with score and reasoning."


def png_base64(image):
    """What EditThinker's script does for every image it sends: PIL image -> PNG -> base64."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def data_url(image):
    return "data:image/png;base64," + png_base64(image)


def decode(b64):
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image.convert("RGB")


async def post(client, url, body):
    """POST with two retries when a kept-alive connection was closed under it (the server drops
    connections that idle while this single-threaded client is busy encoding images)."""
    for attempt in range(3):
        try:
            r = await client.post(url, json=body)
            r.raise_for_status()
            return r.json()
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if attempt == 2:
                raise


async def chat(client, url, text, images, model):
    content = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": data_url(i)}} for i in images]
    answer = await post(client, url + "/chat/completions", {"model": model, "messages": [{"role": "user", "content": content}]})
    return json.loads(answer["choices"][0]["message"]["content"])


async def edit(client, url, source, prompt, seed):
    answer = await post(client, url + "/edit", {"image": png_base64(source), "prompt": prompt, "seed": seed, "enhance_prompt": False})
    return decode(answer["edited_image"])


async def trajectory(client, url, n, source, instruction, max_turns, limits, counts):
    expert, editor, judge = limits
    prompt, previous = instruction, None
    for turn in range(1, max_turns + 1):
        if turn > 1:
            async with expert:
                answer = await chat(client, url, EXPERT.format(instruction=instruction, previous=prompt), [source, previous], "fake-expert")
            if answer.get("is_satisfied"):
                return
            prompt = answer["new_rewritten_prompt"]
        async with editor:
            image = await edit(client, url, source, prompt, n * 100 + turn)
        async with judge:
            await asyncio.gather(chat(client, url, JUDGE_SEMANTIC.format(instruction=instruction), [source, image], "fake-judge"),
                                 chat(client, url, JUDGE_QUALITY, [image], "fake-judge"))
        counts["turns"] += 1
        previous = image


async def run(url, count, max_turns, concurrency):
    limits = tuple(asyncio.Semaphore(concurrency) for _ in range(3))
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=3 * concurrency)) as client:
        # 32 photo-like sources, as in `bench generate-http --image-size`: the fake editor's answers.
        sources = [await edit(client, url, Image.new("RGB", (16, 16)), f"source {i}", i) for i in range(32)]
        counts = {"turns": 0}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        instructions = ["make the square red", "remove the circle", "add a small star in the corner",
                        "turn the background into a beach", "make it look like a watercolour", "replace the square with a triangle"]
        await asyncio.gather(*(trajectory(client, url, n, sources[n % 32], instructions[n % 6], max_turns, limits, counts)
                               for n in range(count)))
        return counts["turns"], time.process_time() - cpu0, time.perf_counter() - wall0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--image-size", type=int, default=1024)
    parser.add_argument("--max-turns", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--server", default=".build/release/thinkedit-fake-server")
    args = parser.parse_args()
    server = subprocess.Popen([args.server, "--delay-ms", str(args.delay_ms), "--image-size", str(args.image_size)],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            sys.exit(f"{args.server} did not start: {line}")
        turns, cpu, wall = asyncio.run(run(f"http://127.0.0.1:{line[1]}", args.count, args.max_turns, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    print(f"reference client (python {sys.version.split()[0]}, httpx {httpx.__version__}, PIL {Image.__version__}): "
          f"{turns} turns at {args.image_size}x{args.image_size}, wall {wall:.1f} s, "
          f"cpu {cpu:.1f} s, {1000 * cpu / max(turns, 1):.1f} ms of cpu per turn")


if __name__ == "__main__":
    main()
