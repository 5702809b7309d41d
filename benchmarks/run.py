"""Benchmarks (not timed tests): ``python benchmarks/run.py [--quick] [--only NAME]``.

Runs every ``benchmarks/bench_*.py`` module's ``run(quick: bool) -> dict`` and writes
one JSON object (``benchmarks/results.json`` and stdout) keyed by module name.
Speedups are ratios against a plain implementation timed in the same process.
"""
import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    ap.add_argument("--only", action="append", default=None, help="run only these bench_NAME")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    out = {"machine": {"python": platform.python_version(), "processor": platform.processor(),
                       "quick": args.quick}}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem[len("bench_"):]
        if args.only and name not in args.only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        out[name] = mod.run(quick=args.quick)
        out[name]["wall_seconds"] = round(time.perf_counter() - t0, 2)
    text = json.dumps(out, indent=2)
    Path(args.out).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
