"""``python -m attrib.synth``: regenerate the samples, print world statistics, or write leaks.

python -m attrib.synth samples --seed 7 --out samples
python -m attrib.synth stats --seed 7 --size medium
python -m attrib.synth leak --family padded --seed 3 --out /tmp/leak.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from attrib.errors import AttribError


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m attrib.synth", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("samples", help="write samples/ (sources, leaks, manifest.json)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", default="samples")
    p.add_argument("--size", default="small")
    p.add_argument("--all-snapshots", action="store_true", help="write every in-case snapshot")

    p = sub.add_parser("stats", help="print measured sizes, overlaps and drift as JSON")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--size", default="small")

    p = sub.add_parser("leak", help="write one leak and print its truth")
    p.add_argument("--family", required=True)
    p.add_argument("--seed", type=int, default=0, help="seed of the leak")
    p.add_argument("--world-seed", type=int, default=7)
    p.add_argument("--size", default="small")
    p.add_argument("--out", required=True, help="file; format from the extension")
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--org")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except AttribError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


def _run(args: argparse.Namespace) -> int:
    from attrib.synth import build_world

    started = time.perf_counter()
    if args.command == "samples":
        from attrib.synth.samples import write_samples

        world = build_world(args.seed, args.size)
        path = write_samples(world, args.out, args.seed, all_snapshots=args.all_snapshots)
        print(f"wrote {path} in {time.perf_counter() - started:.1f}s")
    elif args.command == "stats":
        from attrib.synth.stats import summary

        world = build_world(args.seed, args.size)
        print(json.dumps(summary(world), ensure_ascii=False, indent=2))
    else:
        from attrib.synth.leaks import build_leak
        from attrib.synth.render import write_table

        world = build_world(args.world_seed, args.size)
        opts = {"org": args.org} if args.org else {}
        leak = build_leak(world, args.family, args.seed, **opts)
        write_table(leak.frame, args.out, None, args.encoding, leak.style.has_header)
        print(json.dumps(leak.truth, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
