// n8n-core keeps an instance folder with an encryption key; give tests their own throwaway one.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'rudderstack-n8n-test-'));
process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
