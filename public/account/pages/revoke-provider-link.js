// @ts-check
import { confirmTokenLink } from '../token-link.js';
import { t } from '../ui.js';

export function start() {
  confirmTokenLink('oauth/link/revoke/', t('linkRevoked'));
}
