import { createApp } from './app';
import { loadConfig } from './config';
import type { Env } from './env';
import { purgeExpired } from './maintenance/purge';

export { GuardCounter } from './guard/counter-object';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    const report = await purgeExpired(env.DB, loadConfig(env), controller.scheduledTime);
    console.log(JSON.stringify({ level: 'info', msg: 'purge', cron: controller.cron, ...report }));
  },
} satisfies ExportedHandler<Env>;
