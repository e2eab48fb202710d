// How every mock listens on loopback and shuts down; spread into a mock's public object.
'use strict';

/** `beforeStop`: what the mock must end of its own before the server closes (timers, say). */
function serverControls(server, beforeStop = () => {}) {
	return {
		async start(port = 0, host = '127.0.0.1') {
			await new Promise((resolve) => server.listen(port, host, resolve));
			this.url = `http://${host}:${server.address().port}`;
			return this.url;
		},
		async stop() {
			beforeStop();
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

module.exports = { serverControls };
