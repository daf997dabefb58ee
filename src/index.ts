import { createApp } from './app';
import type { Env } from './env';

export { GuardCounter } from './guard/counter-object';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
