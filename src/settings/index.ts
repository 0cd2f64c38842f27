// Every setting of the service, grouped by concern: the one list that src/config.ts reads the
// environment against, that Config's type comes from, and that the README's table is made of.
// To add a setting, add it to its group's file; nothing else repeats it.
import { apiSettings } from './api.js';
import type { Setting } from './kinds.js';
import { limitSettings } from './limits.js';
import { redisSettings } from './redis.js';
import { storageSettings } from './storage.js';
import { tenantSettings } from './tenants.js';
import { webhookSettings } from './webhooks.js';
import { workerSettings } from './worker.js';

export interface SettingGroup {
  /** The README's heading for the group. */
  title: string;
  settings: Readonly<Record<string, Setting>>;
}

/** In the README's order. */
export const settingGroups: readonly SettingGroup[] = [
  { title: 'Redis', settings: redisSettings },
  { title: 'The API process', settings: apiSettings },
  { title: 'Limits of a request or a job', settings: limitSettings },
  { title: 'Workers and training', settings: workerSettings },
  { title: 'What is kept, and for how long', settings: storageSettings },
  { title: 'Tenants', settings: tenantSettings },
  { title: 'Webhooks', settings: webhookSettings },
];

/** Every setting by its Config field name (each group's names are its own: a test checks). */
export const settings = {
  ...redisSettings,
  ...apiSettings,
  ...limitSettings,
  ...workerSettings,
  ...storageSettings,
  ...tenantSettings,
  ...webhookSettings,
};

export type Settings = typeof settings;
export type { Setting } from './kinds.js';
export { type ApiKey, defaultTenant, tenantPattern } from './tenants.js';
