"""Builds and runs the harness's C++ tools (bench/peak, bench/gemm) with the system compiler.
Binaries go to bench/build/ (git-ignored by build*/). Part of bench/."""
import json
import os
import subprocess

BENCH = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(BENCH, "build")
CXX = os.environ.get("CXX", "g++")
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
TOOLS = {
    "fma_peak": (["peak/fma_peak.cc"], ["-pthread"]),
    "gemm_bench": (["gemm/gemm_bench.cc"],
                   ["-fopenmp", "-I/usr/include/x86_64-linux-gnu/openblas-pthread", f"-L{OPENBLAS}",
                    f"-Wl,-rpath,{OPENBLAS}", "-lopenblas", "-ldnnl"]),
}


def tool(name):
    """Path of the built tool, rebuilt when its source is newer than the binary."""
    sources, flags = TOOLS[name]
    sources = [os.path.join(BENCH, s) for s in sources]
    exe = os.path.join(BUILD, name)
    if not os.path.exists(exe) or any(os.path.getmtime(s) > os.path.getmtime(exe) for s in sources):
        os.makedirs(BUILD, exist_ok=True)
        subprocess.run([CXX, "-O2", "-std=c++17", *sources, "-o", exe, *flags], check=True)
    return exe


def fma_peak(threads):
    """{threads: GFLOP/s} and the ISA used, from bench/peak/fma_peak."""
    out = subprocess.run([tool("fma_peak"), *map(str, threads)], capture_output=True, text=True,
                         check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {int(k): v for k, v in result["gflops"].items()}, result["isa"]
