import { Fragment, type ReactNode } from 'react';
import type { Editor } from '../hooks/useEditor';
import { DoneNote } from './States';

/**
 * Where an admin list's form opens: what the last save or delete said, then the form for the
 * item being edited (or a new one), keyed by the item so opening another starts afresh.
 */
export function EditorSlot<Item extends { id: number | string }>({
  editor,
  form,
}: {
  editor: Editor<Item>;
  form: (item: Item | null, onDone: (message?: string) => void) => ReactNode;
}) {
  const { editing, done, finish } = editor;
  return (
    <>
      <DoneNote message={done} />
      {editing ? (
        <Fragment key={editing === 'new' ? 'new' : editing.id}>
          {form(editing === 'new' ? null : editing, finish)}
        </Fragment>
      ) : null}
    </>
  );
}
