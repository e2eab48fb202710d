// n8n-core's SSH client cache starts a cleanup interval the first time an execution context is
// built; n8n stops it on shutdown, and so do we, so that Jest exits on its own. n8n-core may
// carry its own copy of @n8n/di, so the container is resolved from n8n-core's point of view.
const coreDir = require('node:path').dirname(require.resolve('n8n-core'));
const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] }));
const { SSHClientsManager } = require(require.resolve('n8n-core/dist/execution-engine/ssh-clients-manager'));

afterAll(() => {
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
});

// Jest gives every test file its own copy of nock, but they all patch the same http module;
// each file must take its patch off again, or the next file's interceptors are never reached.
const nock = require('nock');

afterAll(() => {
	nock.cleanAll();
	nock.enableNetConnect();
	nock.restore();
});
