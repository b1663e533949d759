"""Markdown for bench/run.py's results: the timing table, GFLOP/s against the FMA peak, and
correctness. The JSON written next to it holds everything, this is for people. Part of bench/."""
import engines


def _ms(e):
    if e["status"] == "ok" and e.get("median_ms") is not None:
        return f"{e['median_ms']:.3f}"
    return {"wrong": "wrong", "error": "error"}.get(e["status"], "n/a")


def _speedup(stitch, peer):
    if stitch.get("median_ms") and peer.get("median_ms"):
        return f"{peer['median_ms'] / stitch['median_ms']:.2f}x"
    return "–"


def _gflops(e):
    if e.get("gflops") is None:
        return "–"
    return f"{e['gflops']:.1f} ({100 * e['fraction_of_peak']:.1f}%)"


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def timing_table(results, names):
    peers = [n for n in names if n != "stitch"]
    head = ["model", "threads", "GFLOP"] + [f"{label(n)} ms" for n in names]
    head += [f"stitch vs {label(n)}" for n in peers if "stitch" in names]
    if "stitch" in names:
        head += ["stitch GFLOP/s (% of peak)"]
    lines = [_row(head), _row(["---"] * len(head))]
    for r in results["rows"]:
        e = r["engines"]
        cells = [r["model"], str(r["threads"]), f"{r['gflop']:.3f}"] + [_ms(e[n]) for n in names]
        if "stitch" in names:
            cells += [_speedup(e["stitch"], e[n]) for n in peers] + [_gflops(e["stitch"])]
        lines.append(_row(cells))
    return lines


def gflops_table(results, names):
    lines = [_row(["model", "threads"] + [label(n) for n in names]), _row(["---"] * (len(names) + 2))]
    for r in results["rows"]:
        lines.append(_row([r["model"], str(r["threads"])] + [_gflops(r["engines"][n]) for n in names]))
    return lines


def correctness_table(results, names):
    lines = [_row(["model", "threads"] + [label(n) for n in names]), _row(["---"] * (len(names) + 2))]
    for r in results["rows"]:
        cells = []
        for n in names:
            e = r["engines"][n]
            rel = f"{e['rel_l2']:.1e}" if e.get("rel_l2") is not None else ""
            cells.append(rel if e["status"] == "ok" else f"**{e['status']}** {rel}".strip())
        lines.append(_row([r["model"], str(r["threads"])] + cells))
    return lines


def failures(results, names):
    seen, lines = set(), []
    for r in results["rows"]:
        for n in names:
            e = r["engines"][n]
            if e["status"] != "ok" and (n, e.get("message")) not in seen:
                seen.add((n, e.get("message")))
                lines.append(f"- {label(n)}, {r['model']}, {r['threads']} thread(s): {e['status']}: "
                             f"{e.get('message', '')}")
    return lines


def label(name):
    return engines.PEER_LABELS.get(name, name)


def markdown(results):
    m, names = results["meta"], results["meta"]["engines"]
    peak = ", ".join(f"{g:.1f} GFLOP/s at {t} thread(s)" for t, g in m["fma_peak_gflops"].items())
    lines = [f"# stitch benchmark, {m['started']}", "",
             f"- machine: {m['cpu']}, {m['cpus']} CPUs; load average {m['loadavg_start']} at the start, "
             f"{m['loadavg_end']} at the end",
             f"- fp32 FMA peak ({m['fma_isa']}, bench/peak/fma_peak): {peak}",
             f"- stitch {m['stitch_commit']}; " + "; ".join(f"{label(n)}: {v}" for n, v in m["versions"].items()),
             f"- {m['rounds']} interleaved rounds, each of up to {m['runs']} runs (fewer to keep a round near "
             f"{m['round_seconds']} s) after up to {m['warmup']} warm-up runs; median of the round medians, in ms",
             f"- correctness: relative L2 against ONNX Runtime (1 thread) on the same input, tolerance "
             f"{m['tolerance']:g}; an engine above it is reported as wrong and not timed", "",
             "## Latency (speedup = peer ms / stitch ms; above 1 means stitch is faster)", ""]
    lines += timing_table(results, names)
    lines += ["", "## Achieved GFLOP/s (fraction of the FMA peak at that thread count)", ""]
    lines += gflops_table(results, names)
    lines += ["", "## Correctness (relative L2 vs ONNX Runtime)", ""]
    lines += correctness_table(results, names)
    fails = failures(results, names)
    if fails:
        lines += ["", "## Failures", ""] + fails
    return "\n".join(lines) + "\n"
