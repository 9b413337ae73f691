/**
 * What the public front door shows besides the data: how to join through the affiliate, the
 * currency amounts are in, and the footer's links. Set by the server from its configuration
 * (AFFILIATE_REFERRAL_CODE, AFFILIATE_SIGNUP_URL, CURRENCY, TERMS_URL, RESPONSIBLE_GAMBLING_URL,
 * ADULTS_ONLY); the defaults below apply where it sets nothing.
 */
export interface SiteInfo {
  /** The affiliate's referral code ("Play with code …"); null when none is configured. */
  referralCode: string | null;
  /** Where to sign up with the code; null when none is configured. */
  signUpUrl: string | null;
  /** ISO 4217 code every amount is in, e.g. "USD". */
  currency: string;
  /** The terms of the site; null hides the link. */
  termsUrl: string | null;
  /** Help with problem gambling. */
  responsibleGamblingUrl: string;
  /** The site is for adults only (the footer's "18+"). */
  adultsOnly: boolean;
}

export const defaultSiteInfo: SiteInfo = {
  referralCode: null,
  signUpUrl: null,
  currency: 'USD',
  termsUrl: null,
  responsibleGamblingUrl: 'https://www.begambleaware.org/',
  adultsOnly: true,
};

export function siteInfo(deps: { site?: SiteInfo | undefined }): SiteInfo {
  return deps.site ?? defaultSiteInfo;
}
