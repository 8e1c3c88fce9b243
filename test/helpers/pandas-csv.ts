// Reads a CSV file with real pandas (Debian's python3-pandas, through /usr/bin/python3: the
// python3 first on PATH may be a pyenv one without it) exactly as a user would, `pd.read_csv(file)`
// with no arguments, and hands back its columns, dtypes and values (NaN as null).
import { spawnSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

/** Whether pandas can be imported; without it a test skips, or fails with CI set (as html-browser.test.ts does for chromium). */
export const pandasAvailable = spawnSync(PYTHON, ["-c", "import pandas"], { encoding: "utf8" }).status === 0;
export const skipWithoutPandas = (file: string): boolean => {
  const skip = !pandasAvailable && !process.env.CI;
  if (skip) console.warn(`${file}: SKIPPED: pandas is missing (apt-get install python3-pandas); with CI set this test runs and fails instead`);
  return skip;
};

export interface PandasFrame {
  readonly columns: string[];
  /** numpy dtype names by column: int64, float64, object, bool. */
  readonly dtypes: Record<string, string>;
  /** Values by column, as pandas' default parser read them (NaN as null). */
  readonly values: Record<string, Array<number | string | boolean | null>>;
  /** The same columns read with float_precision="round_trip": the exact doubles the text spells. */
  readonly exact: Record<string, Array<number | string | boolean | null>>;
}

const SCRIPT = `
import json, math, sys
import pandas as pd
def cols(df):
    return {c: [None if isinstance(v, float) and math.isnan(v) else v for v in df[c].tolist()] for c in df.columns}
df = pd.read_csv(sys.argv[1])
exact = pd.read_csv(sys.argv[1], float_precision="round_trip")
print(json.dumps({"columns": list(df.columns), "dtypes": {c: str(t) for c, t in df.dtypes.items()}, "values": cols(df), "exact": cols(exact)}))
`;

export function readCsvWithPandas(file: string): PandasFrame {
  const r = spawnSync(PYTHON, ["-c", SCRIPT, file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pandas could not read ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PandasFrame;
}
