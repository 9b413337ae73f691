import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** What broke, for the message ("this page", "the chart"). */
  what?: string;
  /** Drawn instead of the default message; `reset` renders the children again. */
  fallback?: (error: Error, reset: () => void) => ReactNode;
  /** Runs before the children render again (a query boundary clears its failed queries). */
  onReset?: () => void;
  /** A failure is for these values: when one changes (another filter, another period), try again. */
  resetKeys?: readonly unknown[];
}

interface State {
  error: Error | null;
}

/** A rendering failure stays inside this box instead of blanking the whole dashboard. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // A boundary with its own fallback expects its failures (a query's answer); a bug is logged.
    if (!this.props.fallback) console.error('render failed', error, info.componentStack);
  }

  override componentDidUpdate(previous: Props): void {
    if (this.state.error && changed(previous.resetKeys, this.props.resetKeys)) this.reset();
  }

  private readonly reset = (): void => {
    this.props.onReset?.();
    this.setState({ error: null });
  };

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    if (this.props.fallback) return this.props.fallback(error, this.reset);
    return (
      <div className="card error" role="alert">
        <p>Something went wrong showing {this.props.what ?? 'this part'}.</p>
        <p className="muted small">{error.message}</p>
        <button type="button" className="btn" onClick={this.reset}>
          Try again
        </button>
      </div>
    );
  }
}

function changed(before: readonly unknown[] = [], after: readonly unknown[] = []): boolean {
  return before.length !== after.length || before.some((value, i) => !Object.is(value, after[i]));
}
