#!/usr/bin/env python3
"""An image-editing server that speaks thinkedit's editthinker-http protocol.

    POST /edit    {"image": <base64 PNG/JPEG>, "prompt": str, "seed": int, ...extra parameters}
               -> {"success": true, "edited_image": <base64 PNG>, "error": null}
               or {"success": false, "edited_image": null, "error": "<why>"}
    GET  /health -> 200 {"status": "ok", "model": ...} once the model is loaded

Real mode loads a diffusers pipeline (FLUX.1 Kontext, Qwen-Image-Edit, OmniGen2... anything
`DiffusionPipeline.from_pretrained` opens and that takes `image=` and `prompt=`) and runs one edit
at a time on the GPU; extra request fields that the pipeline's __call__ accepts
(num_inference_steps, guidance_scale, true_cfg_scale...) are passed through.

    python scripts/editor_server.py --model black-forest-labs/FLUX.1-Kontext-dev --port 8080

--fake needs no GPU and imports no diffusers: it answers with the input image unchanged (or fails on
purpose with --fail-every N, or delays with --delay-ms), for protocol tests and load tests.

    python scripts/editor_server.py --fake --port 8080
"""

import argparse
import base64
import binascii
import inspect
import io
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 << 20


class FakeEditor:
    """Echoes the source image: the protocol without a model."""

    name = "fake"

    def __init__(self, fail_every=0, delay_ms=0):
        self.fail_every = fail_every
        self.delay = delay_ms / 1000.0
        self.count = 0
        self.lock = threading.Lock()

    def edit(self, image_bytes, prompt, seed, extra):
        with self.lock:
            self.count += 1
            n = self.count
        if self.delay:
            time.sleep(self.delay)
        if self.fail_every and n % self.fail_every == 0:
            raise RuntimeError(f"fake failure on request {n} (--fail-every {self.fail_every})")
        return image_bytes


class DiffusersEditor:
    """One diffusers pipeline on one device; edits run one at a time."""

    def __init__(self, model, device, dtype):
        import torch  # noqa: imported here so that --fake needs neither torch nor diffusers
        from diffusers import DiffusionPipeline

        self.torch = torch
        self.name = model
        torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
        self.pipe = DiffusionPipeline.from_pretrained(model, torch_dtype=torch_dtype).to(device)
        self.device = device
        self.accepted = set(inspect.signature(self.pipe.__call__).parameters)
        self.lock = threading.Lock()

    def edit(self, image_bytes, prompt, seed, extra):
        from PIL import Image

        source = Image.open(io.BytesIO(image_bytes)).convert("RGB")
        kwargs = {k: v for k, v in extra.items() if k in self.accepted}
        generator = self.torch.Generator(device=self.device).manual_seed(int(seed) % (2**63))
        with self.lock:
            result = self.pipe(image=source, prompt=prompt, generator=generator, **kwargs).images[0]
        out = io.BytesIO()
        result.save(out, format="PNG")
        return out.getvalue()


def make_handler(editor):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr, no bodies
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

        def reply(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path.rstrip("/") == "/health":
                self.reply(200, {"status": "ok", "model": editor.name})
            else:
                self.reply(404, {"error": "unknown path; use GET /health or POST /edit"})

        def do_POST(self):
            if self.path.rstrip("/") != "/edit":
                self.reply(404, {"error": "unknown path; use POST /edit"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self.reply(413 if length > MAX_BODY else 400, {"success": False, "edited_image": None,
                                                               "error": f"body length {length} is not in 1..{MAX_BODY}"})
                return
            try:
                request = json.loads(self.rfile.read(length))
                image = base64.b64decode(request.pop("image"), validate=True)
                prompt = request.pop("prompt")
                seed = request.pop("seed", 0)
            except (ValueError, KeyError, TypeError, binascii.Error) as e:
                self.reply(400, {"success": False, "edited_image": None,
                                 "error": f"the request needs JSON with base64 'image', 'prompt' and 'seed': {e}"})
                return
            try:
                edited = editor.edit(image, prompt, seed, request)
            except Exception as e:  # the model failed: say so in the protocol's own terms
                self.reply(200, {"success": False, "edited_image": None, "error": f"{type(e).__name__}: {e}"})
                return
            self.reply(200, {"success": True, "edited_image": base64.b64encode(edited).decode(), "error": None})

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--fake", action="store_true", help="echo the input image; no GPU, no diffusers")
    p.add_argument("--fail-every", type=int, default=0, help="(--fake) fail every N-th edit with success: false")
    p.add_argument("--delay-ms", type=int, default=0, help="(--fake) wait this long per edit")
    p.add_argument("--model", help="diffusers model id or folder (real mode)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="bf16", choices=["bf16", "fp16", "fp32"])
    args = p.parse_args()
    if args.fake:
        editor = FakeEditor(args.fail_every, args.delay_ms)
    else:
        if not args.model:
            p.error("--model is required unless --fake")
        editor = DiffusersEditor(args.model, args.device, args.dtype)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(editor))
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
