// Problems with untrusted data, gathered while validating and thrown at once as a
// ValidationError (with at most maxIssues listed). dataset.ts re-exports it.
import { type Issue, ValidationError } from '../errors.js';

/** Collecting stops here so that a huge bad input does not make a huge error. */
export const maxIssues = 20;
/** Issues gathered while validating; `full` tells loops to stop early. */
export class IssueList {
  readonly issues: Issue[] = [];
  private overflowed = false;

  /** `limit`: issues listed at most (maxIssues unless a caller lists fewer). */
  constructor(private readonly limit = maxIssues) {}

  add(path: string, message: string): void {
    if (this.issues.length < this.limit) this.issues.push({ path, message });
    else this.overflowed = true;
  }

  /** True once an issue past the limit was dropped: there is no point looking further. */
  get full(): boolean {
    return this.overflowed;
  }

  throwIfAny(): void {
    if (this.issues.length === 0) return;
    const listed = this.overflowed
      ? [...this.issues, { path: '', message: `only the first ${this.limit} issues are listed` }]
      : this.issues;
    throw new ValidationError(listed);
  }
}
