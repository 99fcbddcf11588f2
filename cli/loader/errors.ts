/**
 * ScenarioError: what the loader throws for any bad input (missing file, YAML syntax, schema,
 * references). It never carries a stack trace in its text: `format()` — and `stack`, so that even
 * an uncaught one prints cleanly — is one line per problem (`file: message` when the problem is
 * the file as a whole):
 *
 *   scenarios/x.yaml:14:7: unknown member "etcd-7" in spec.timeline[3].crash (members are etcd-0..etcd-4). Fix: …
 *
 * The loader collects up to MAX_REPORTED_PROBLEMS problems, sorted by position in the file, so a
 * user can fix several at once; `file`, `line`, `column` and `message` are those of the first.
 */

export interface ScenarioProblem {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole (missing, unreadable). */
  line: number;
  /** 1-based; 0 when the problem is about the file as a whole. */
  column: number;
  /** What is wrong and where (field path), what was expected, and how to fix it. */
  message: string;
}

/** At most this many problems are reported at once; the rest are counted. */
export const MAX_REPORTED_PROBLEMS = 10;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Every reported problem, first one first (the same as file/line/column/message). */
  readonly problems: readonly ScenarioProblem[];
  /** Problems found beyond MAX_REPORTED_PROBLEMS, not listed. */
  readonly omitted: number;

  constructor(problems: readonly ScenarioProblem[], omitted = 0) {
    const first = problems[0] ?? { file: '<unknown>', line: 0, column: 0, message: 'invalid scenario' };
    super(first.message);
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.problems = problems.length > 0 ? problems : [first];
    this.omitted = omitted;
    this.stack = this.format();
  }

  /** One problem, e.g. for a file that cannot be read. */
  static at(file: string, line: number, column: number, message: string): ScenarioError {
    return new ScenarioError([{ file, line, column, message }]);
  }

  /**
   * `file:line:column: message`, one line per problem, nothing else; `file: message` for a
   * problem about the file as a whole (line 0: missing, unreadable).
   */
  format(): string {
    const lines = this.problems.map((p) => `${p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file}: ${p.message}`);
    if (this.omitted > 0) {
      lines.push(
        `${this.file}: ${this.omitted} more problem${this.omitted === 1 ? '' : 's'} not shown; fix the ones above and load the file again.`,
      );
    }
    return lines.join('\n');
  }
}

/**
 * Builds a message in the house style: `<what is wrong, with the field path> (<expected>). Fix: <how>.`
 */
export function problemText(what: string, expected?: string, fix?: string): string {
  let text = what;
  if (expected) text += ` (${expected})`;
  text += '.';
  if (fix) text += ` Fix: ${/[.?!]$/.test(fix) ? fix : `${fix}.`}`;
  return text;
}
