"""``python -m bench``: run every scenario and write bench/results.json."""

from bench.runner import main

if __name__ == "__main__":
    raise SystemExit(main())
