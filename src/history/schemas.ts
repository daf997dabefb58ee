import { z } from '@hono/zod-openapi';

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .openapi({ type: 'string', enum: ['true', 'false', '1', '0'] });

export const HistoryQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  success_only: booleanQuery.default(false).openapi({ param: { name: 'success_only', in: 'query' } }),
});

export const StatisticsQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .openapi({ param: { name: 'days', in: 'query' } }),
});

export const LoginAttempt = z
  .object({
    id: z.uuid(),
    success: z.boolean(),
    failure_reason: z.string().nullable(),
    ip_address: z.string().nullable(),
    location: z.string().nullable(),
    country: z.string().nullable(),
    city: z.string().nullable(),
    device: z.string(),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    suspicious: z.boolean(),
    login_at: z.iso.datetime(),
  })
  .openapi('LoginAttempt', {
    example: {
      id: '2c1d0e9f-8a7b-4c6d-9e5f-1a2b3c4d5e6f',
      success: true,
      failure_reason: null,
      ip_address: '203.0.113.10',
      location: 'Paris, France',
      country: 'France',
      city: 'Paris',
      device: 'Desktop',
      browser: 'Chrome 120',
      os: 'Windows 10',
      suspicious: false,
      login_at: '2026-11-30T08:05:00.000Z',
    },
  });

const Tally = z.record(z.string(), z.number().int());

export const LoginStatistics = z
  .object({
    total_attempts: z.number().int(),
    successful_logins: z.number().int(),
    failed_logins: z.number().int(),
    success_rate: z.number().openapi({ description: 'Percentage, 2 decimals' }),
    devices: Tally,
    browsers: Tally,
    countries: Tally,
    period_days: z.number().int(),
  })
  .openapi('LoginStatistics', {
    example: {
      total_attempts: 42,
      successful_logins: 40,
      failed_logins: 2,
      success_rate: 95.24,
      devices: { Desktop: 30, Mobile: 12 },
      browsers: { Chrome: 30, Safari: 12 },
      countries: { France: 40, Belgium: 2 },
      period_days: 30,
    },
  });
