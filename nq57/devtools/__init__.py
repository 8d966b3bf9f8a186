"""Development tooling, kept out of the product: the demo seed, the benchmark datasets and
the commands that run them (seed_demo, serve, bench_*). Installed only for the demo, the
tests and the benchmarks (DEMO_MODE or DEVTOOLS=1, nq57/settings.py), never in production,
as Zulip keeps populate_db in zilencer/."""
