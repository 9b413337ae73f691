import { useEffect } from 'react';

/** The tab's title for this page ("Leaderboard · Goated VIPs"), so shared and bookmarked URLs read well. */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Goated VIPs` : 'Goated VIPs';
  }, [title]);
}
