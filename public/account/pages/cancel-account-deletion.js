// @ts-check
import { confirmTokenLink } from '../token-link.js';
import { t } from '../ui.js';

export function start() {
  confirmTokenLink('me/delete/cancel/', t('deletionCancelled'));
}
