import { currentCurrency, setCurrency } from '../format';
import { trpc } from '../trpc';

/** The front door's settings (referral code, sign-up link, currency, footer links): asked once. */
export function useSiteInfo() {
  return trpc.site.info.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
}

/**
 * Every amount on the site in the server's currency once it is known (USD until then). Set while
 * App renders, before its children do, so the first render with the answer already shows it.
 */
export function useSiteCurrency(): void {
  const currency = useSiteInfo().data?.currency;
  if (currency && currency !== currentCurrency()) setCurrency(currency);
}
