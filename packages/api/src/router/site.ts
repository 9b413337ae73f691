import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { siteInfo } from '../services/site';
import { publicProcedure } from '../trpc';

export const siteRouter = {
  /** The front door's settings: referral code and sign-up link, currency, footer links, 18+. */
  info: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/site',
        tags: ['site'],
        protect: false,
        summary: 'Referral code, sign-up link, currency and footer links',
      },
    })
    .input(z.object({}).optional())
    .output(
      z
        .object({
          referralCode: z.string().nullable(),
          signUpUrl: z.string().nullable(),
          currency: z.string().meta({ description: 'ISO 4217 code, e.g. USD' }),
          termsUrl: z.string().nullable(),
          responsibleGamblingUrl: z.string(),
          adultsOnly: z.boolean(),
        })
        .meta({ id: 'SiteInfo' }),
    )
    .query(({ ctx }) => siteInfo(ctx)),
} satisfies TRPCRouterRecord;
