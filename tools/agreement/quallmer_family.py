"""Independent values of the 2016 unitizing family from the quallmer R package, as test data.

quallmer (CRAN, GPL-3) implements u-alpha, |u-alpha, c|u-alpha and (k)u-alpha in its
file R/alpha_u.R (function compute_alpha_u), written apart from tcoder from Krippendorff
(2019, section 12.6). This script generates random unitizations (a fixed seed), has R run
quallmer's function on each, and writes the cases with quallmer's values to
tests/agreement/data/quallmer_family.json, which tests/agreement/test_unitizing_2016.py
compares with tcoder's own computation. quallmer's code is not part of tcoder: give the
path of its alpha_u.R (from the package source, e.g. `git clone https://github.com/cran/quallmer`):

    python tools/agreement/quallmer_family.py --alpha-u ~/src/quallmer/R/alpha_u.R [--cases 300]

Needs Rscript (Debian: r-base-core); quallmer's function uses base R only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests/agreement/data/quallmer_family.json"

R_DRIVER = r"""
args <- commandArgs(trailingOnly = TRUE)
source(args[1])
units <- read.csv(args[2], stringsAsFactors = FALSE)
lengths <- read.csv(args[3], stringsAsFactors = FALSE)
out <- file(args[4], "w")
writeLines("case,measure,value,alpha,coverage", out)
fmt <- function(x) if (is.na(x)) "NA" else sprintf("%.17g", x)
for (case_id in lengths$case) {
  L <- lengths$length[lengths$case == case_id]
  here <- units[units$case == case_id, ]
  coders <- sort(unique(lengths$coders[lengths$case == case_id]))
  n <- lengths$coders[lengths$case == case_id]
  unitizations <- lapply(seq_len(n) - 1L, function(i) {
    u <- here[here$coder == i, c("start", "end", "value")]
    data.frame(start = u$start, end = u$end, value = as.character(u$value), stringsAsFactors = FALSE)
  })
  for (type in c("nominal", "binary", "cu_nominal")) {
    a <- compute_alpha_u(unitizations, L, type = type)
    writeLines(paste(case_id, type, "", fmt(a), "", sep = ","), out)
  }
  per <- compute_alpha_u(unitizations, L, type = "per_value")
  if (is.data.frame(per)) {
    for (r in seq_len(nrow(per))) {
      writeLines(paste(case_id, "per_value", per$value[r], fmt(per$alpha[r]), fmt(per$coverage[r]), sep = ","), out)
    }
  }
}
close(out)
"""


def random_case(rng: random.Random) -> dict:
    """A continuum and 2-4 coders' units on it: disjoint within a coder (adjacent allowed, as
    two passages of one value side by side), values 1-4, some coders marking little or nothing."""
    length = rng.randint(20, 240)
    coders = rng.randint(2, 4)
    n_values = rng.randint(1, 4)
    units = []
    for coder in range(coders):
        position = rng.randint(0, 10)
        while position < length and rng.random() < 0.9:
            start = position + rng.choice([0, 0, rng.randint(1, 25)])
            end = start + rng.randint(1, 40)
            if end > length:
                break
            units.append([coder, start, end, rng.randint(1, n_values)])
            position = end
    return {"length": length, "coders": coders, "units": units}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alpha-u", required=True, type=Path, help="quallmer's R/alpha_u.R")
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--rscript", default="Rscript")
    parser.add_argument("--quallmer-version", default="0.4.0")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = [random_case(rng) for _ in range(args.cases)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with open(folder / "units.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "coder", "start", "end", "value"])
            for i, case in enumerate(cases):
                for coder, start, end, value in case["units"]:
                    w.writerow([i, coder, start + 1, end, value])  # quallmer: 1-based, inclusive
        with open(folder / "lengths.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "length", "coders"])
            for i, case in enumerate(cases):
                w.writerow([i, case["length"], case["coders"]])
        (folder / "driver.R").write_text(R_DRIVER)
        subprocess.run([args.rscript, str(folder / "driver.R"), str(args.alpha_u), str(folder / "units.csv"),
                        str(folder / "lengths.csv"), str(folder / "out.csv")], check=True)
        with open(folder / "out.csv", newline="") as f:
            rows = list(csv.DictReader(f))

    def number(text: str) -> float | None:
        return None if text in ("NA", "") else float(text)

    for case in cases:
        case["quallmer"] = {"per_value": {}}
    for row in rows:
        case = cases[int(row["case"])]["quallmer"]
        if row["measure"] == "per_value":
            case["per_value"][row["value"]] = {"alpha": number(row["alpha"]), "coverage": number(row["coverage"])}
        else:
            case[row["measure"]] = number(row["alpha"])
    payload = {"source": f"quallmer {args.quallmer_version} (CRAN), R/alpha_u.R, compute_alpha_u; run by "
                         "tools/agreement/quallmer_family.py", "seed": args.seed,
               "positions": "0-based, end exclusive (as tcoder; quallmer was given 1-based inclusive)",
               "cases": cases}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cases_text = ",\n".join(json.dumps(case, sort_keys=True, separators=(",", ":")) for case in cases)
    head = json.dumps({k: v for k, v in payload.items() if k != "cases"}, sort_keys=True, indent=1)[:-2]
    OUT.write_text(head + ',\n "cases": [\n' + cases_text + "\n ]\n}\n", encoding="utf-8")  # a case a line
    print(f"Wrote {OUT.relative_to(REPO)}: {len(cases)} cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
