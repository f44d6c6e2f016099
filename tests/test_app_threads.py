"""The app factory runs numpy's BLAS on one thread: a server parallelises over requests, not inside one."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits


def test_create_app_limits_blas_to_one_thread(make_app) -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        assert all(pool["num_threads"] == 2 for pool in threadpool_info() if pool["user_api"] == "blas")
        make_app()
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas, "numpy should use a BLAS library"
        assert all(pool["num_threads"] == 1 for pool in blas), blas
