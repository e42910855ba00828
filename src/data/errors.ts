/** Errors raised while reading datasets: they always name the file (and line, where there is one). */

/** A malformed row or file: `message` reads `<file>:<line>: <what is wrong>`. */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  constructor(
    /** Base name of the offending file (e.g. `ratings.csv.gz`). */
    readonly file: string,
    /** 1-based line number, or 0 when the problem concerns the file as a whole. */
    readonly line: number,
    /** What is wrong, without the location prefix. */
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
  }
}

/** A dataset (or one of its files) that is not where it was looked for. */
export class DatasetNotFoundError extends Error {
  override name = 'DatasetNotFoundError';
}
