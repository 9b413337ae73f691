import { useEffect, useRef, useState } from 'react';

const FLASH_MS = 2500;

interface Row {
  uid: string;
  rank: number;
  wagered: string;
}

export interface BoardMovement {
  /** Places gained (+) or lost (−) since the previous push; 'new': not on this page before. */
  moved: ReadonlyMap<string, number | 'new'>;
  /** Rows whose wager changed in the last push (for a moment): only those are highlighted. */
  changed: ReadonlySet<string>;
}

const none: BoardMovement = { moved: new Map(), changed: new Set() };

/**
 * What the last live push changed on the same board. A player who wagered is highlighted; the
 * players they passed only get a ▼, since nothing about them changed but their place. The arrows
 * stay until a push changes the board again.
 */
export function useBoardMovement<T extends Row>(entries: readonly T[], boardKey: string): BoardMovement {
  const previous = useRef<{ key: string; byUid: Map<string, Row> } | null>(null);
  const [movement, setMovement] = useState<BoardMovement>(none);
  const [flashing, setFlashing] = useState<ReadonlySet<string>>(() => new Set());

  useEffect(() => {
    const before = previous.current;
    previous.current = { key: boardKey, byUid: new Map(entries.map((e) => [e.uid, e])) };
    if (!before || before.key !== boardKey) {
      setMovement(none);
      setFlashing(new Set());
      return;
    }
    const moved = new Map<string, number | 'new'>();
    const changed = new Set<string>();
    for (const entry of entries) {
      const old = before.byUid.get(entry.uid);
      if (!old) {
        moved.set(entry.uid, 'new');
        changed.add(entry.uid);
        continue;
      }
      if (old.rank !== entry.rank) moved.set(entry.uid, old.rank - entry.rank);
      if (old.wagered !== entry.wagered) changed.add(entry.uid);
    }
    const sameBoard = moved.size === 0 && changed.size === 0 && before.byUid.size === entries.length;
    if (sameBoard) return; // a push that changed nothing here keeps the last arrows
    setMovement({ moved, changed });
    if (changed.size === 0) return;
    setFlashing(changed);
    const timer = setTimeout(() => setFlashing(new Set()), FLASH_MS);
    return () => clearTimeout(timer);
  }, [entries, boardKey]);

  return { moved: movement.moved, changed: flashing };
}
