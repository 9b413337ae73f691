import type { InputIssue } from '@goated/validators';

/** What these helpers read from a failed call (every `ApiError` has this shape). */
export interface IssueSource {
  message: string;
  data?: { zodIssues: InputIssue[] | null } | null;
}

/** Field → first message, from the server's zod issues (`error.data.zodIssues`). */
export type FieldErrors = Record<string, string>;

export function fieldErrors(error: IssueSource | null): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error?.data?.zodIssues ?? []) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_form';
    errors[key] ??= issue.message;
  }
  return errors;
}

/**
 * The message for a field or any of its parts (`prizes` also matches `prizes.2`). The server
 * words every message as a sentence naming its field ("The prize for rank 3 must not be…").
 */
export function errorFor(errors: FieldErrors, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const part = Object.keys(errors).find((key) => key.startsWith(`${field}.`));
  return part ? errors[part] : undefined;
}

/** What to say above the form: the error itself unless every issue is shown next to a field. */
export function formError(error: IssueSource | null, fields: readonly string[]): string | undefined {
  if (!error) return undefined;
  const issues = error.data?.zodIssues;
  if (!issues || issues.length === 0) return error.message;
  const unplaced = issues.filter((issue) => !fields.includes(String(issue.path[0] ?? '')));
  return unplaced.length > 0
    ? unplaced.map((i) => (/[.!?]$/.test(i.message) ? i.message : `${i.message}.`)).join(' ')
    : undefined;
}

/** `<input type="datetime-local">` speaks local wall-clock time without a zone. */
export function toLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): Date {
  return new Date(value);
}
