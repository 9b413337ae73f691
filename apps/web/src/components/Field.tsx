import { type ReactNode, useId } from 'react';
import { errorFor, type FieldErrors } from '../forms';

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string;
  /** Renders the control with the ids that tie it to its label and messages. */
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}

/** A labelled form control with its field error (from the server's zod issues) underneath. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint ? (
        <span id={hintId} className="hint muted small">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

interface TextFieldProps {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  type?: string | undefined;
  autoComplete?: string;
  inputMode?: 'decimal' | 'numeric';
  spellCheck?: boolean;
}

/** A labelled input bound to one field of a form's draft, with that field's error. */
export function TextField({ label, error, hint, onChange, type = 'text', ...input }: TextFieldProps) {
  return (
    <Field label={label} error={error} {...(hint ? { hint } : {})}>
      {(props) => (
        <input {...props} {...input} type={type} className="input" onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}

/** The fields of a draft that hold free text (not a union of words, not a flag). */
type TextKey<Draft> = {
  [K in keyof Draft]: Draft[K] extends string ? (string extends Draft[K] ? K : never) : never;
}[keyof Draft] &
  string;

/** How one draft field's input behaves, beyond its name, label and value. */
export type FieldOptions = Pick<TextFieldProps, 'type' | 'hint' | 'autoComplete' | 'inputMode' | 'spellCheck'>;

/** A password being chosen: the browser may suggest one, and the rule is said up front. */
export const newPassword: FieldOptions = {
  type: 'password',
  autoComplete: 'new-password',
  hint: 'At least 10 characters.',
};
/** The password the account has now. */
export const currentPassword: FieldOptions = { type: 'password', autoComplete: 'current-password' };

/** What `draftFields` returns: `field(name, label, { type, hint, autoComplete })`. */
export type DraftField<Draft> = (name: TextKey<Draft>, label: string, options?: FieldOptions) => ReactNode;

/**
 * One `TextField` per text field of a form's draft: `field('name', 'Name', { hint })` shows the
 * draft's value, writes changes back, and carries the server's message for that field.
 */
export function draftFields<Draft>(draft: Draft, setDraft: (next: Draft) => void, errors: FieldErrors) {
  return (name: TextKey<Draft>, label: string, options: FieldOptions = {}) => (
    <TextField
      {...options}
      name={name}
      label={label}
      value={String(draft[name])}
      error={errorFor(errors, name)}
      onChange={(value) => setDraft({ ...draft, [name]: value })}
    />
  );
}

export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

/** A form's main button: disabled, and saying so, while the server answers. */
export function SubmitButton({
  pending,
  pendingLabel = 'Please wait…',
  children,
}: {
  pending: boolean;
  /** What it says while the server answers ("Saving…"). */
  pendingLabel?: string;
  children: string;
}) {
  return (
    <button type="submit" className="btn btn-primary" disabled={pending}>
      {pending ? pendingLabel : children}
    </button>
  );
}

/** A button that starts a server call: disabled while the call is on its way, so one click is one call. */
export function ActionButton({
  pending,
  className = 'btn btn-small',
  onClick,
  children,
}: {
  pending: boolean;
  className?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button type="button" className={className} disabled={pending} onClick={onClick}>
      {children}
    </button>
  );
}

/** An edit form's save button (disabled while saving) and the button that closes it. */
export function FormActions({
  pending,
  submitLabel,
  onClose,
  small = false,
}: {
  pending: boolean;
  submitLabel: string;
  onClose: () => void;
  small?: boolean;
}) {
  return (
    <div className="actions">
      <button type="submit" className={small ? 'btn btn-primary btn-small' : 'btn btn-primary'} disabled={pending}>
        {submitLabel}
      </button>
      <button type="button" className={small ? 'btn btn-small' : 'btn'} onClick={() => onClose()}>
        Close
      </button>
    </div>
  );
}
