/** One of a few views of the same thing (a period, a filter): buttons in a row, the chosen one pressed. */
export function Tabs<Value>({
  legend,
  options,
  value,
  onChange,
}: {
  /** What the choice is about, for screen readers ("Period"). */
  legend: string;
  options: readonly { value: Value; label: string }[];
  value: Value;
  onChange: (value: Value) => void;
}) {
  return (
    <fieldset className="tabs">
      <legend className="sr-only">{legend}</legend>
      {options.map((option) => (
        <button
          key={option.label}
          type="button"
          aria-pressed={option.value === value}
          className={option.value === value ? 'tab tab-active' : 'tab'}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </fieldset>
  );
}
