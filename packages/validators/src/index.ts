/**
 * `@goated/validators`: the zod schemas a person's input meets on both sides — the dashboard's
 * forms, the server's config and the API's procedures — with nothing else attached (no router,
 * no database), so any of them may import it.
 */
export { passwordSchema, usernameSchema } from './account';
export type { InputIssue } from './issues';
export { atLeast, centsToDecimal, positiveDecimal, toCents, toDecimal } from './money';
export { type Period, periodSchema, periods } from './period';
