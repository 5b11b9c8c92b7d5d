"""Shared by the analysis/ scripts: importing pandas and matplotlib, reading and
validating bftsim's CSV files, and writing a figure as PNG and SVG.

Every problem with the input ends the script with exit code 2 and one line
on stderr, prefixed with the script's name: a missing directory, file or
column, a file that is not CSV, a column that should be numeric and is not.
Imports neither pandas nor matplotlib itself: a script checks its inputs'
header lines first (check_inputs, fast), then import_libraries() (re-running
the script under Debian's python3 if need be), then read_tables().
"""

import csv
import os
import re
import sys

EXIT_USAGE = 2
SYSTEM_PYTHON = "/usr/bin/python3"
# Colour-blind safe palette (Paul Tol's "bright"), in the order series use it.
COLOURS = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
# Phases of a view change in order (view_changes.csv), with their colours.
VIEW_CHANGE_PHASES = [("detect_us", "detect", "#4477aa"), ("certify_us", "certify", "#ee6677"),
                      ("propose_us", "propose", "#228833"), ("commit_us", "commit", "#ccbb44")]


def program_name():
    return os.path.splitext(os.path.basename(sys.argv[0]))[0] or "analysis"


def fail(message):
    """Prints `PROGRAM: message` to stderr and exits 2."""
    print(f"{program_name()}: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def import_libraries():
    """Imports pandas and matplotlib (Agg) and returns (pandas, pyplot, ticker).
    When this interpreter lacks them (say a pyenv python3 first on PATH) but
    Debian's /usr/bin/python3 is another interpreter, re-runs the script there
    once."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker as ticker
        import pandas as pd
        # Same bytes for the same input: no date and a fixed hash salt in SVG.
        matplotlib.rcParams["svg.hashsalt"] = "bftsim"
        return pd, plt, ticker
    except ImportError as error:
        if (os.environ.get("BFTSIM_PLOT_REEXEC") != "1" and os.path.exists(SYSTEM_PYTHON)
                and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)):
            os.environ["BFTSIM_PLOT_REEXEC"] = "1"
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
        fail(f"{error.name} is not installed for {sys.executable} "
             "(install python3-pandas and python3-matplotlib, or pip install -r analysis/requirements.txt)")


class Table:
    """What a script needs of one CSV file: DIRECTORY/NAME.csv with every
    column in `columns`, each column in `numeric` holding numbers or empty
    cells; columns for which `text(column)` is true are kept as written (a
    grid value `0.10` stays `0.10`). A missing optional file is None; `hint`
    says how to make a missing required one."""

    def __init__(self, name, columns, numeric=(), optional=False, hint=None, text=None):
        self.name, self.columns, self.numeric = name, list(columns), list(numeric)
        self.optional, self.hint, self.text = optional, hint, text


def check_inputs(directory, tables, hint):
    """Checks the directory, each file and its header line without pandas, so
    bad input exits 2 before the slow imports. Returns {name: [columns]},
    None for a missing optional file. `hint` says how to make the directory."""
    if not os.path.isdir(directory):
        fail(f"{directory}: no such directory ({hint})")
    headers = {}
    for table in tables:
        path = os.path.join(directory, f"{table.name}.csv")
        if not os.path.isfile(path):
            if table.optional:
                headers[table.name] = None
                continue
            fail(f"{path}: missing ({table.hint or f'is {directory} the --out directory of a bftsim run?'})")
        try:
            with open(path, newline="", encoding="utf-8") as file:
                header = next(csv.reader(file), None)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            fail(f"{path}: cannot read as CSV: {error}")
        if not header:
            fail(f"{path}: cannot read as CSV: no header line")
        missing = [column for column in table.columns if column not in header]
        if missing:
            fail(f"{path}: missing column(s) {', '.join(missing)}")
        headers[table.name] = header
    return headers


def read_tables(pd, directory, tables):
    """Reads the files check_inputs accepted: {name: DataFrame or None}.
    Exits 2 when a file does not parse or a numeric column holds text."""
    frames = {}
    for table in tables:
        path = os.path.join(directory, f"{table.name}.csv")
        if table.optional and not os.path.isfile(path):
            frames[table.name] = None
            continue
        try:
            dtype = None
            if table.text is not None:
                dtype = {column: str for column in pd.read_csv(path, nrows=0).columns if table.text(column)}
            frame = pd.read_csv(path, dtype=dtype)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            fail(f"{path}: cannot read as CSV: {str(error).strip()}")
        for column in table.numeric:
            if column not in frame.columns:
                continue
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = frame[column][values.isna() & frame[column].notna()]
            if not bad.empty:
                fail(f"{path}: column {column} is not numeric (row {bad.index[0] + 1}: {bad.iloc[0]!r})")
            frame[column] = values
        frames[table.name] = frame
    return frames


def one_row(table, path):
    """The single row of a summary.csv."""
    if len(table) != 1:
        fail(f"{path}: expected one row, found {len(table)}")
    return table.iloc[0]


def parse_duration_us(text):
    """A bftsim duration ("10s", "1.5s", "750ms", "2m") or a bare number of
    seconds, in microseconds; None when it is neither."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|ms|s|m)?\s*", str(text))
    if not match:
        return None
    scale_us = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, None: 1e6}[match.group(2)]
    return float(match.group(1)) * scale_us


def is_grid_column(name):
    """A sweep.csv column named as a scenario parameter (`network.loss`);
    summary columns never contain a dot."""
    return "." in name


def grid_columns(header, path, requested=()):
    """The grid parameters among the column names `header` of a sweep.csv:
    the columns named in `requested` (each must exist), else every column
    that is_grid_column."""
    if requested:
        missing = [column for column in requested if column not in header]
        if missing:
            fail(f"{path}: no grid column {', '.join(missing)} "
                 f"(columns with a dot: {', '.join(c for c in header if is_grid_column(c)) or 'none'})")
        return list(requested)
    return [column for column in header if is_grid_column(column)]


def grid_value_key(value):
    """Sorts grid values numerically when they are numbers, else as text."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def grid_groups(table, columns):
    """The rows of `table` grouped by the values of `columns`, as a list of
    (tuple of values, rows) in grid_value_key order; one group keyed () when
    `columns` is empty."""
    if not columns:
        return [((), table)]
    groups = table.groupby(columns[0] if len(columns) == 1 else columns)
    keyed = [((key if isinstance(key, tuple) else (key,)), rows) for key, rows in groups]
    return sorted(keyed, key=lambda item: [grid_value_key(v) for v in item[0]])


def output_base(results_dir, default_name, out):
    """Where to write: `out` without a .png/.svg suffix, else
    RESULTS_DIR/DEFAULT_NAME. The figure goes to BASE.png and BASE.svg."""
    if out:
        root, extension = os.path.splitext(out)
        return root if extension.lower() in (".png", ".svg") else out
    return os.path.join(results_dir, default_name)


def save_figure(figure, base):
    """Writes BASE.png and BASE.svg and prints where; exits 2 if it cannot."""
    paths = [f"{base}.png", f"{base}.svg"]
    for path in paths:
        try:
            figure.savefig(path, dpi=100, metadata={"Date": None} if path.endswith(".svg") else None)
        except OSError as error:
            fail(f"{path}: cannot write: {error.strerror}")
    print(f"wrote {paths[0]} and {paths[1]}")


def note(ax, text):
    """Grey text in the middle of an empty panel."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.4")
