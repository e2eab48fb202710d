// PostgreSQL and Redis for the queue-mode suite: Debian's binaries (installed by
// scripts/queue-services.sh when missing), started on 127.0.0.1 on ports of their own, with their
// data in a temporary folder, and stopped by process id.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { killOnExit, REPO } = require('../e2e/n8n');

function binaries() {
	const out = execFileSync('bash', [path.join(REPO, 'scripts/queue-services.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	return Object.fromEntries(out.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` (or `nobody`) user. */
function serviceUser() {
	if (process.getuid?.() !== 0) return undefined;
	return ['postgres', 'nobody'].find((name) => {
		try {
			execFileSync('id', ['-u', name], { stdio: 'ignore' });
			return true;
		} catch {
			return false;
		}
	});
}

function asServiceUser(command, args) {
	const user = serviceUser();
	// setpriv execs in place, so the process id we hold is PostgreSQL's own.
	return user ? ['setpriv', [`--reuid=${user}`, `--regid=${user}`, '--init-groups', command, ...args]] : [command, args];
}

class QueueServices {
	constructor({ pgPort, redisPort }) {
		this.pgPort = pgPort;
		this.redisPort = redisPort;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudderstack-queue-'));
		this.processes = [];
		this.log = '';
	}

	spawn(command, args) {
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
		child.stdout.on('data', (chunk) => (this.log += chunk));
		child.stderr.on('data', (chunk) => (this.log += chunk));
		this.processes.push(killOnExit(child));
		return child;
	}

	async start() {
		const { PG_BIN, REDIS_SERVER } = binaries();
		const pgData = path.join(this.dir, 'pg');
		fs.mkdirSync(pgData, { mode: 0o700 });
		const user = serviceUser();
		if (user) {
			fs.chmodSync(this.dir, 0o755);
			execFileSync('chown', ['-R', user, pgData]);
		}
		const [initdb, initArgs] = asServiceUser(path.join(PG_BIN, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
		execFileSync(initdb, initArgs, { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir });
		const [postgres, pgArgs] = asServiceUser(path.join(PG_BIN, 'postgres'), [
			'-D', pgData, '-p', String(this.pgPort), '-k', pgData,
			'-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
		]);
		this.postgres = this.spawn(postgres, pgArgs);
		this.redis = this.spawn(REDIS_SERVER, ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir]);
		const deadline = Date.now() + 30_000;
		for (;;) {
			for (const child of this.processes) if (child.exitCode !== null) throw new Error(`a queue service exited early:\n${this.log}`);
			try {
				execFileSync(path.join(PG_BIN, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(this.pgPort)]);
				execFileSync(path.join(PG_BIN, 'psql'), ['-q', '-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'postgres', '-c', 'select 1'], { stdio: 'ignore' });
				break;
			} catch {
				if (Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${this.log}`);
				await sleep(200);
			}
		}
		this.pgBin = PG_BIN;
	}

	createDatabase(name) {
		execFileSync(path.join(this.pgBin, 'createdb'), ['-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'postgres', name]);
	}

	/** What every n8n process of one queue-mode installation shares. */
	n8nEnv(database, redisDb) {
		return {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.pgPort),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: 'postgres',
			DB_POSTGRESDB_PASSWORD: '',
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(this.redisPort),
			QUEUE_BULL_REDIS_DB: String(redisDb),
		};
	}

	async stop() {
		await Promise.all(
			this.processes.map(async (child) => {
				if (child.exitCode !== null || child.signalCode !== null) return;
				const exited = new Promise((resolve) => child.once('exit', resolve));
				// PostgreSQL's fast shutdown (SIGINT) ends open sessions instead of waiting for them.
				child.kill(child === this.postgres ? 'SIGINT' : 'SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}),
		);
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

module.exports = { QueueServices };
