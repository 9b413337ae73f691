/**
 * One problem with one field of a rejected input, worded for a person ("Name is required"):
 * what the API sends as `zodIssues`, and what a form shows next to the field at `path`.
 */
export interface InputIssue {
  path: (string | number)[];
  message: string;
  code: string;
}
