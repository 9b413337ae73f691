/** The search box of a list's toolbar; `label` names it for screen readers ("Search usernames"). */
export function SearchBox({
  label,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <input
      type="search"
      className="input search"
      placeholder={placeholder}
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** One end of a time window in a toolbar ("From", "Until"), in the browser's local time. */
export function TimeBound({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label className="small inline-field">
      {label}
      <input type="datetime-local" className="input" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}
