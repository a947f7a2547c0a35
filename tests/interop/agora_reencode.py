#!/usr/bin/env python3
"""Re-encodes an Agora 007 token with Python's zlib (the standard library).

Reads {"token": "007...", "level": N, "mode": "plain" | "sync_flush"} as JSON on
stdin and prints {"token": "007..."}: the same payload deflated again at level
N. "sync_flush" splits the payload in two and flushes between the halves, so
the stream carries an extra empty stored block that every inflater accepts.
Nothing here needs a secret: this is what any holder of a token can do.
"""
import base64
import json
import sys
import zlib


def main():
    request = json.load(sys.stdin)
    token = request["token"]
    payload = zlib.decompress(base64.b64decode(token[3:], validate=True))
    level = request.get("level", -1)
    if request.get("mode", "plain") == "sync_flush":
        deflater = zlib.compressobj(level)
        half = len(payload) // 2
        stream = deflater.compress(payload[:half])
        stream += deflater.flush(zlib.Z_SYNC_FLUSH)
        stream += deflater.compress(payload[half:])
        stream += deflater.flush(zlib.Z_FINISH)
    else:
        stream = zlib.compress(payload, level)
    print(json.dumps({"token": "007" + base64.b64encode(stream).decode("ascii")}))


if __name__ == "__main__":
    main()
