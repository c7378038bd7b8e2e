"""Container health probe: exit 0 when the service's readiness URL answers 200, 1 otherwise.

Slim Python images carry neither curl nor wget, so the Dockerfile's HEALTHCHECK and compose's
healthcheck run this file with the image's interpreter. The URL is the first argument or
HEALTHCHECK_URL (set by the Dockerfile to http://127.0.0.1:<port>/healthz). Proxies configured in
the environment are ignored: the probe always talks to the container itself.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 3.0) -> tuple[bool, str]:
    if not url.startswith(("http://", "https://")):
        return False, f"not an http(s) URL: {url!r}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # 503 while a readiness check fails
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url}: {exc}"
    return status == 200, f"{url}: HTTP {status}"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("HEALTHCHECK_URL", "")
    if not url:
        print("healthcheck: give the URL as an argument or in HEALTHCHECK_URL", file=sys.stderr)
        return 2
    healthy, detail = probe(url, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "3")))
    print(f"healthcheck: {detail}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
