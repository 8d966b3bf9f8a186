"""Fresh processes set up for Django on a given database, for jobs whose own time and
memory a benchmark measures: the parent's heap, grown by building the dataset, neither
counts towards a job's peak memory nor is shared with it.

This module imports nothing of Django's at the top: a spawned process imports it to run
the set-up, before Django is configured."""

import multiprocessing
import os
import resource
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor


def django_process_pool(*, max_workers: int, env: Mapping[str, str]) -> ProcessPoolExecutor:
    """A pool of spawned (not forked) processes, each with `env` added to its environment
    (DATABASE_URL of the throwaway database, say) before Django reads its settings."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_set_up_django,
        initargs=(dict(env),),
    )


def _set_up_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def peak_memory_mb() -> float:
    """The most memory this process has held (its resident set's high-water mark), in MB.

    Read from /proc where there is one: Linux carries getrusage's ru_maxrss across fork and
    exec, so a process spawned by a parent of 350 MB reports at least 350 MB there,
    whatever it used itself. VmHWM belongs to the process's own address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
