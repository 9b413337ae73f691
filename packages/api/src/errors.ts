/**
 * What a service throws when it refuses: one class per kind of failure, free of any transport.
 * The router turns them into tRPC errors in one place (`mapDomainErrors`,
 * middleware/map-domain-errors.ts), which REST then answers with the matching HTTP status. Each
 * kind carries the code clients see, so a service's caller reads `err.code` as before.
 */

/** The codes services refuse with, as clients see them (a subset of tRPC's error codes). */
export type FailureCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly code: FailureCode;
}

/**
 * The base of one kind of failure: a class of its own (so `instanceof` and the stack name it),
 * its client-facing code fixed.
 */
function failureKind<C extends FailureCode>(code: C, name: string) {
  return class extends DomainError {
    readonly code: C = code;
    override readonly name: string = name;
  };
}

/** The thing asked for does not exist (or is not the caller's to see). */
export class NotFoundError extends failureKind('NOT_FOUND', 'NotFoundError') {}

/** The request is valid but the target's state forbids it (e.g. editing a finished race). */
export class ConflictError extends failureKind('CONFLICT', 'ConflictError') {}

/** The caller is known but may not do this (banned, not an admin of the right kind). */
export class ForbiddenError extends failureKind('FORBIDDEN', 'ForbiddenError') {}

/** No usable identity: wrong password, unknown or ended credential. */
export class UnauthorizedError extends failureKind('UNAUTHORIZED', 'UnauthorizedError') {}

/** The call needs something this server does not have (a pipeline that is not running here). */
export class PreconditionFailedError extends failureKind('PRECONDITION_FAILED', 'PreconditionFailedError') {}

/** A dependency (the database) is down for a moment: the caller should retry shortly. */
export class UnavailableError extends failureKind('SERVICE_UNAVAILABLE', 'UnavailableError') {}

/** A request the caller should not have sent as it is (not tied to one field). */
export class BadRequestError extends failureKind('BAD_REQUEST', 'BadRequestError') {}

/** A failure tied to one input field; clients show it next to that field like a zod issue. */
export class FieldError extends DomainError {
  override readonly name = 'FieldError';
  constructor(
    readonly path: (string | number)[],
    readonly reason: string,
    readonly code: 'BAD_REQUEST' | 'CONFLICT' | 'NOT_FOUND' = 'BAD_REQUEST',
  ) {
    super(`${path.join('.')}: ${reason}`);
  }
}

/** One rejected field, as a service words it (a predicate: "must be in the future"). */
export interface InputProblem {
  path: (string | number)[];
  message: string;
}

/**
 * A rejected input found by a service (a rule that needs the database or the clock): clients
 * get `BAD_REQUEST` with `zodIssues` naming each field, as for a schema's own failure.
 */
export class InvalidInputError extends DomainError {
  readonly code = 'BAD_REQUEST';
  override readonly name = 'InvalidInputError';
  constructor(readonly issues: InputProblem[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
}

/** "Race not found". */
export function notFound(what: string): NotFoundError {
  return new NotFoundError(`${what} not found`);
}

export function fieldError(code: FieldError['code'], path: (string | number)[], reason: string): FieldError {
  return new FieldError(path, reason, code);
}
