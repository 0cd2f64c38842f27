// The error catalog: every operational error the service, worker and CLI can report, with its
// HTTP status. Bad input is a ValidationError listing the fields at fault; it is never a 500.

export interface Issue {
  /** Dotted path of the field at fault, e.g. `network.layers.1.units`; `''` for the whole body. */
  path: string;
  /** What is wrong and what would fix it, in words a person can act on. */
  message: string;
}

export const errorCatalog = {
  validation: { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  quota_exceeded: { status: 413, title: 'Storage quota exceeded' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key reused with another body' },
  not_exportable: { status: 422, title: 'The model has no form in this format' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds after which a 429 or 503 may be tried again (the Retry-After header). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ValidationError extends AppError {
  readonly issues: Issue[];

  constructor(issues: Issue[]) {
    super('validation', describeIssues(issues));
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** One line naming every issue: what the CLI prints and what `detail` says. */
export function describeIssues(issues: Issue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** Prefix every issue's path, for errors found inside a nested part of a document. */
export function prefixIssues(prefix: string, issues: Issue[]): Issue[] {
  return issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix }));
}
