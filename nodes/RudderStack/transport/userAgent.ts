import { version } from '../../../package.json';

export const USER_AGENT = `RudderN8n/${version}`;
