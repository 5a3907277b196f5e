import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorText } from './api';
import { navigate } from './router';

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={`/console${to}`}
      className={className}
      onClick={(ev) => {
        if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
        ev.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export type Loading<T> = { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; data: T };

/** Loads on mount and whenever `deps` change; `reload` loads again and keeps showing the old data meanwhile. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loading<T> & { reload: () => void } {
  const [value, setValue] = useState<Loading<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    run().then(
      (data) => live && setValue({ state: 'ready', data }),
      (err: unknown) => live && setValue({ state: 'error', error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { ...value, reload: () => setTick((t) => t + 1) };
}

/** The loading, error and empty states every list and page states in words. */
export function Loaded<T>({ value, what, empty, children }: { value: Loading<T>; what: string; empty?: (data: T) => boolean; children: (data: T) => ReactNode }) {
  if (value.state === 'loading') return <p className="muted" role="status">Loading {what}…</p>;
  if (value.state === 'error') return <p className="error" role="alert">Could not load {what}: {value.error}</p>;
  if (empty?.(value.data)) return <p className="muted">No {what} yet.</p>;
  return <>{children(value.data)}</>;
}

/** A button whose action runs only after the person confirms it in a dialog (Escape or Cancel backs out). */
export function ConfirmButton({ label, question, confirm, onConfirm, danger, disabled }: { label: string; question: ReactNode; confirm?: string; onConfirm: () => Promise<unknown>; danger?: boolean; disabled?: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const titleId = useId();
  return (
    <>
      <button type="button" className={danger ? 'danger' : undefined} disabled={disabled} onClick={() => (setProblem(null), dialog.current?.showModal())}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <p id={titleId}>{question}</p>
        {problem && <p className="error" role="alert">{problem}</p>}
        <div className="row">
          <button
            type="button"
            className={danger ? 'danger' : 'primary'}
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onConfirm();
                dialog.current?.close();
              } catch (err) {
                setProblem(errorText(err));
              } finally {
                setBusy(false);
              }
            }}
          >
            {confirm ?? label}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>Cancel</button>
        </div>
      </dialog>
    </>
  );
}

/** A labelled control with the API's message for it, if it refused what was sent. */
export function Field({ label, error, children, hint }: { label: string; error?: string; hint?: string; children: (id: string, described?: string) => ReactNode }) {
  const id = useId();
  const described = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children(id, described)}
      {hint && !error && <small id={`${id}-hint`} className="muted">{hint}</small>}
      {error && <small id={`${id}-error`} className="error">{error}</small>}
    </div>
  );
}

/** What the last action did, or why it failed, announced to screen readers. */
export function Notice({ text, error }: { text: string | null; error?: boolean }) {
  return (
    <p className={error ? 'error' : 'ok'} role={error ? 'alert' : 'status'} aria-live="polite">
      {text}
    </p>
  );
}

/** Runs an action and keeps its outcome in words for a Notice. */
export function useAction(): { notice: { text: string | null; error: boolean }; run: (what: () => Promise<string>) => Promise<boolean> } {
  const [notice, setNotice] = useState<{ text: string | null; error: boolean }>({ text: null, error: false });
  const run = async (what: () => Promise<string>) => {
    setNotice({ text: 'Working…', error: false });
    try {
      setNotice({ text: await what(), error: false });
      return true;
    } catch (err) {
      setNotice({ text: errorText(err), error: true });
      return false;
    }
  };
  return { notice, run };
}

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
