// Types of daily-rollups-backfill.mjs for the TypeScript tests that import it.
export function dailyRollupsBackfillSql(range?: { fromDay?: number; toDay?: number }): string;
