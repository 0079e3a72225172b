"""The table ``make bench`` prints for bench/engine_peers.py: each workload's times and ratio
against its target, the kernels' distance from the dgemm peak, and what each side computes."""

from __future__ import annotations


def table(out):
    w, r = out["workloads"], out["ratios"]
    w1, w2, w3, w4 = w["W1"], w["W2"], w["W3"], w["W4"]
    rows = [  # (workload, ours, our s, peer, peer s, ratio, target key)
        ("W1 1,024 specs HC1", "fit_specs [a]", w1["ours_s"], "statsmodels loop [b]", w1["statsmodels_loop_s"],
         r["W1_statsmodels"], "W1_statsmodels"),
        ("W1 same, classical SE", "fit_specs [g]", w1["ours_classical_s"], "specification-curve [f]",
         w1["specification_curve_s"], r["W1_specification_curve"], "W1_specification_curve"),
        ("", "fit_specs HC1 [a]", None, "specification-curve [f]", w1["specification_curve_s"],
         w1["ratio_specification_curve_ours_hc1"], None),
        ("", "", None, "sm loop, bse only [e]", w1["statsmodels_loop_bse_only_s"],
         w1["ratio_statsmodels_bse_only"], None),
        ("W1 + robust F", "fit_specs [c]", w1["ours_with_f_s"], "sm loop + fvalue [d]",
         w1["statsmodels_loop_with_f_s"], w1["ratio_statsmodels_with_f"], None),
        ("W2 9,999 permutations", "resample(treatment)", w2["ours_treatment_s"], "ritest (c, numba)",
         w2["ritest_c_s"], r["W2_ritest"], "W2_ritest"),
        ("", "", None, "ritest (t)", w2["ritest_t_s"], w2["ratio_ritest_t"], None),
        ("", "", None, "statsmodels loop", w2["statsmodels_loop_s"], w2["ratio_statsmodels"], None),
        ("", "(Freedman-Lane)", w2["ours_freedman_lane_s"], "", None, None, None),
        ("W3 9,999 wild draws", "resample(wild)", w3["ours_s"], "wildboottest", w3["wildboottest_s"],
         r["W3_wildboottest"], "W3_wildboottest"),
        ("W4 9,999 pairs draws", "resample(pairs)", w4["ours_s"], "statsmodels loop", w4["statsmodels_loop_s"],
         r["W4_statsmodels"], "W4_statsmodels"),
    ]

    def num(x, fmt):
        return "" if x is None else format(x, fmt)

    lines = [f"{'workload':24s}{'ours':21s}{'s':>9s}  {'peer':21s}{'s':>9s}{'ratio':>9s}{'target':>8s}  met"]
    for label, ours, t_ours, peer, t_peer, ratio, key in rows:
        tgt = out["targets"].get(key) if key else None
        met = "" if key is None else ("yes" if out["targets_met"][key] else "NO")
        lines.append(
            f"{label:24s}{ours:21s}{num(t_ours, '9.4f'):>9s}  {peer:21s}{num(t_peer, '9.3f'):>9s}"
            f"{(num(ratio, '8.1f') + 'x') if ratio is not None else '':>9s}"
            f"{(str(tgt) + 'x') if tgt else '':>8s}  {met}"
        )
    la = out["load_average_1min"]
    lines.append(f"machine load average (1 min) before / after: {la['before']:.1f} / {la['after']:.1f} "
                 f"on {out['environment']['cpus']} CPUs (ratios: median of interleaved rounds, one process)")
    lines.append(f"dgemm peak (1 thread, this run): {out['peak_dgemm_gflops']:.1f} GFLOP/s; W1 achieved "
                 f"{w1['ours_gflops']:.2f} GFLOP/s (flop models in the script)")
    floor = out["floor_below_gemm_peak"]
    lines.append(f"{'kernel':24s}{'GFLOP/s':>9s}{'peak / ours':>13s}{'target':>8s}  met  "
                 "floor: flops at peak + random draws [h]")
    for key, label in (("W2", "W2 treatment perm."), ("W3", "W3 wild (p + CI)"), ("W4", "W4 pairs")):
        below = out["below_gemm_peak"][key]
        lowest = f"{floor[key]:8.1f}x" if key in floor else ""
        lines.append(f"{label:24s}{w[key]['ours_gflops']:9.2f}{below:12.1f}x{out['below_gemm_peak_target']:7.0f}x  "
                     f"{'yes' if below <= out['below_gemm_peak_target'] else 'NO ':4s}{lowest}")
    lines.append("  [h] the best peak / ours any arrangement of the work could reach: every flop at the dgemm peak, "
                 "plus drawing the random numbers (no flops; timed alone, below); above the target, out of reach "
                 "with numpy's generators")
    budget = out["budget_at_target_s"]
    lines.append(f"  budget at {out['below_gemm_peak_target']:.0f}x: W2 {budget['W2']:.4f} s, W3 {budget['W3']:.4f} s, "
                 f"W4 {budget['W4']:.4f} s; timed alone, parts no arrangement of the rest avoids:")
    lines.append(f"  W2: drawing the {w2['draws']:,} permutations takes {w2['permutation_draws_s']:.4f} s of its "
                 f"{w2['ours_treatment_s']:.4f} s")
    lines.append(f"  W4: drawing and counting the rows {w4['pair_counts_s']:.4f} s, the normal equations' product "
                 f"{w4['normal_equations_s']:.4f} s, of its {w4['ours_s']:.4f} s")
    lines.append(f"wildboottest t / statsmodels HC1 t = {w3['wildboottest_t_over_statsmodels_hc1_t']:.6f} "
                 f"(sqrt(N/(N-1)) = {w3['sqrt_N_over_N_minus_1']:.6f})")
    q = w1["quantities"]
    lines += ["W1: what each side computes per specification:"] + [
        f"  [{tag}] {q[key]}"
        for tag, key in zip("abcdefg", ("ours", "statsmodels_loop", "ours_with_f", "statsmodels_loop_with_f",
                                        "statsmodels_loop_bse_only", "specification_curve", "ours_classical"))
    ]
    notes = [v for wl in w.values() for k2, v in wl.items() if k2.endswith("_note")]
    lines += ["notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines)
