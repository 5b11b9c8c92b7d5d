"""Panels more than one analysis/ script draws: an empirical CDF on a log
millisecond axis, and the view-change latency of each failed view as a
stacked bar of its phases (view_changes.csv). Each takes a matplotlib Axes
and tables already read by bftcsv.read_tables.
"""

from bftcsv import VIEW_CHANGE_PHASES, note

VIEW_BARS_MAX = 60  # more failed views than this: plot the first ones and say so


def cdf(ax, values, **style):
    """Step line of the empirical CDF of `values` (a pandas Series)."""
    values = values.sort_values().values
    ax.step(values, [(i + 1) / len(values) for i in range(len(values))], where="post", **style)


def percentile_lines(ax, values_ms, what=""):
    """Dotted p50 and dashed p99 verticals (nearest rank) of milliseconds, in
    the legend, their labels starting with `what`."""
    for quantile, style in ((0.5, ":"), (0.99, "--")):
        value = values_ms.quantile(quantile, interpolation="higher")
        ax.axvline(value, color="0.5", linestyle=style, linewidth=1,
                   label=f"{what}p{int(quantile * 100)} {value:.1f} ms")


def log_ms_axis(ax, ticker, values_ms):
    """A log x axis labelled with plain numbers (20, 50, 200 read faster than
    2x10^1): within one decade every minor tick, across more only 2s and 5s."""
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    narrow = values_ms.max() < 10 * values_ms.min()
    ax.xaxis.set_minor_formatter(ticker.FuncFormatter(
        lambda value, _: f"{value:g}" if narrow or f"{value:g}"[0] in "25" else ""))
    ax.tick_params(axis="x", which="minor", labelsize="small")


def view_change_bars(ax, view_changes, causes=None):
    """One stacked bar per failed view: detect, certify, propose, commit (ms).
    A phase that never happened (empty cell) is left out of its bar; a bar
    with no commit after it is hatched. `causes`, when given, maps each
    cause to a colour and the tick labels are drawn in their cause's colour."""
    ax.set_title("View-change latency by phase")
    if view_changes.empty:
        ax.set_xticks([])
        ax.set_yticks([])
        note(ax, "no view changes")
        return
    shown = view_changes.sort_values("failed_view").head(VIEW_BARS_MAX)
    positions = list(range(len(shown)))
    bottom = [0.0] * len(shown)
    for column, label, colour in VIEW_CHANGE_PHASES:
        values_ms = (shown[column] / 1e3).tolist()
        heights = [0.0 if v != v else v for v in values_ms]  # NaN: phase never happened
        median = view_changes[column].dropna().median() / 1e3
        median_text = "n/a" if median != median else f"{median:.1f} ms"
        ax.bar(positions, heights, bottom=bottom, color=colour, width=0.8,
               label=f"{label} (median {median_text})")
        bottom = [b + h for b, h in zip(bottom, heights)]
    never_committed = shown["commit_us"].isna().tolist()
    if any(never_committed):
        ax.bar([p for p, n in zip(positions, never_committed) if n],
               [b for b, n in zip(bottom, never_committed) if n], width=0.8, fill=False,
               hatch="///", edgecolor="0.35", linewidth=0, label="no commit followed")
    step = max(1, len(shown) // 15)
    ax.set_xticks(positions[::step])
    ax.set_xticklabels([str(int(v)) for v in shown["failed_view"].tolist()[::step]],
                       rotation=45 if len(positions[::step]) > 8 else 0, fontsize="small")
    if causes is not None:
        for label, cause in zip(ax.get_xticklabels(), shown["cause"].tolist()[::step]):
            label.set_color(causes.get(cause, "black"))
            label.set_fontweight("bold")
    ax.set_xlabel("failed view" + (" (label coloured by cause)" if causes is not None else ""))
    ax.set_ylabel("latency (ms)")
    ax.grid(alpha=0.3, axis="y")
    if len(view_changes) > len(shown):
        ax.text(0.01, 0.98, f"first {len(shown)} of {len(view_changes)} view changes",
                transform=ax.transAxes, va="top", fontsize="small", color="0.3")
    # Headroom above the tallest bar keeps the legend off the bars.
    ax.set_ylim(0, max(bottom) * 1.4 if max(bottom) > 0 else 1)
    ax.legend(loc="upper right", ncol=2, fontsize="small", framealpha=0.9)
