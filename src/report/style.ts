/** ANSI styling that can be switched off (`--no-color`, `NO_COLOR`, not a TTY). */
export interface Style {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const wrap = (code: number, reset: number) => (text: string) => `\x1b[${code}m${text}\x1b[${reset}m`;

/** A style that colours, or one that leaves text plain. */
export function makeStyle(color: boolean): Style {
  if (!color) {
    const plain = (text: string) => text;
    return { green: plain, yellow: plain, red: plain, bold: plain, dim: plain };
  }
  return {
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
    bold: wrap(1, 22),
    dim: wrap(2, 22),
  };
}

/** Human duration: `850ms`, `3.2s`, `2m 05s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
