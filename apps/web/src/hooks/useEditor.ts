import { useState } from 'react';

/** A form opened on an item (or on a new one, `'new'`), and what the last save or delete said. */
export function useEditor<Item>() {
  const [editing, edit] = useState<Item | 'new' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const finish = (message?: string) => {
    edit(null);
    setDone(message ?? null);
  };
  return { editing, edit, done, setDone, finish };
}

export type Editor<Item> = ReturnType<typeof useEditor<Item>>;
