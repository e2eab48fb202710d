const { shutdownEngine } = require('./engine');

afterAll(shutdownEngine);

// Jest gives every test file its own copy of nock, but they all patch the same http module;
// each file must take its patch off again, or the next file's interceptors are never reached.
const nock = require('nock');

afterAll(() => {
	nock.cleanAll();
	nock.enableNetConnect();
	nock.restore();
});
