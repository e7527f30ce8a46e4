/**
 * Floats as Python keeps them. JavaScript has one number type, so `8.0` and `8` would be
 * the same value; Ansible (Python) keeps `8.0` a float and prints it as `8.0`. A float
 * whose value is integral (`8.0`, `0.0`, `-0.0`, INI's `1e3`) is therefore a `PyFloat`;
 * every other float (`2.5`, `NaN`, `Infinity`) stays a plain number, since it cannot be
 * mistaken for an integer. `PyFloat` behaves as its number in arithmetic and comparisons
 * (`valueOf`) and prints as Python does (`toString`).
 */

/** A Python float with an integral value, such as `8.0`. */
export class PyFloat {
  constructor(readonly value: number) {}

  /** The number, so that `<`, `+`, `Math.*` and templates' arithmetic work. */
  valueOf(): number {
    return this.value;
  }

  /** Python's `str()` of the float: `8.0`, `1e+16`. */
  toString(): string {
    return pythonFloatRepr(this.value);
  }

  /** `JSON.stringify` writes the number (`8`); `pythonJson` writes `8.0`. */
  toJSON(): number {
    return this.value;
  }
}

/**
 * A float as muster keeps it: a `PyFloat` when its value is integral, else the number.
 *
 * @example
 * ```ts
 * import { pyFloat } from "./float.ts";
 * String(pyFloat(8)); // => "8.0"
 * pyFloat(2.5); // => 2.5
 * ```
 */
export function pyFloat(value: number): number | PyFloat {
  return Number.isInteger(value) ? new PyFloat(value) : value;
}

/** The number of a number or a `PyFloat`; undefined for anything else. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Whether a value is a Python float: a `PyFloat`, or a number that is not an integer. */
export function isFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === "number" && !Number.isInteger(value));
}

/**
 * Python's `repr()` of a float: the shortest digits that read back as the same number,
 * in positional notation from 1e-4 up to 1e16 (with `.0` when integral), else in
 * exponent notation with at least two exponent digits.
 *
 * @example
 * ```ts
 * import { pythonFloatRepr } from "./float.ts";
 * pythonFloatRepr(1000); // => "1000.0"
 * pythonFloatRepr(1.5e-5); // => "1.5e-05"
 * pythonFloatRepr(1e16); // => "1e+16"
 * ```
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = value.toExponential().split("e");
  const exponent = Number(exp);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent).toString().padStart(2, "0");
    return `${sign}${m}e${exponent < 0 ? "-" : "+"}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction || "0"}`;
}
