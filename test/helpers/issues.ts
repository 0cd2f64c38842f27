// Catching the ValidationError a call throws, so tests can assert its issues' paths and words.
import { expect } from 'vitest';
import { type Issue, ValidationError } from '../../src/errors.js';

/** The issues of the ValidationError `fn` throws; fails the test on success or another error. */
export function issuesOf(fn: () => unknown): Issue[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, but the call succeeded');
}

/** The paths of every issue, in order. */
export const pathsOf = (fn: () => unknown): string[] => issuesOf(fn).map((i) => i.path);

/** The only issue `fn` reports; fails the test if there are none or several. */
export function onlyIssue(fn: () => unknown): Issue {
  const issues = issuesOf(fn);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

/** True for a result or a ValidationError; anything else (TypeError, RangeError...) is rethrown. */
export function resultOrValidationError(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof ValidationError) return true;
    throw err;
  }
}
