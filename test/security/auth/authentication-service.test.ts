import assert from 'node:assert/strict';
import { Errors } from '../../../src/errors.js';
import { AuthenticationService } from '../../../src/security/auth/authentication-service.js';
import { FileUserStore } from '../../../src/security/auth/file-user-store.js';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import type { UserInfo, UserStore } from '../../../src/security/auth/user-store.js';

/** A store that counts how often it is asked and can be switched off, as a database store would fail. */
function countingStore(users: Record<string, { password: string; roles: string[] }>) {
  const state = { verifies: 0, down: false };
  const store: UserStore = {
    kind: 'database',
    readOnly: true,
    async verify(name, password) {
      state.verifies++;
      if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return users[name.toLowerCase()]?.password === password;
    },
    async user(name): Promise<UserInfo | undefined> {
      const u = users[name.toLowerCase()];
      return u ? { name: name.toLowerCase(), roles: u.roles, isAdmin: u.roles.includes('admin'), source: 'database' } : undefined;
    },
    async users() {
      return Object.entries(users).map(([name, u]) => ({ name, roles: u.roles, isAdmin: u.roles.includes('admin'), source: 'database' as const }));
    },
    async roles() {
      return [];
    },
  };
  return { store, state };
}

describe('AuthenticationService', () => {
  it('answers from the stores, then from its cache until the entry expires or is invalidated', async () => {
    const { store, state } = countingStore({ carol: { password: 'carol-pw', roles: ['ops'] } });
    const auth = new AuthenticationService([store], { logs: memoryLoggerFactory(), cacheTtlMs: 300 });
    assert.equal(auth.cached('carol', 'carol-pw'), undefined);
    const first = await auth.authenticate('carol', 'carol-pw', '10.0.0.1');
    assert.deepEqual(first, { ok: true, user: { name: 'carol', roles: ['ops'], isAdmin: false } });
    assert.deepEqual(auth.cached('CAROL', 'carol-pw'), first);
    assert.equal(auth.cached('carol', 'other'), undefined, 'a different password is not answered from the cache');
    await auth.authenticate('carol', 'carol-pw');
    assert.equal(state.verifies, 1);
    auth.invalidate('Carol');
    await auth.authenticate('carol', 'carol-pw');
    assert.equal(state.verifies, 2);
    await new Promise((r) => setTimeout(r, 320));
    assert.equal(auth.cached('carol', 'carol-pw'), undefined);
  });

  it('remembers a wrong password briefly so retries do not cost a verification each', async () => {
    const { store, state } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs: memoryLoggerFactory() });
    assert.deepEqual(await auth.authenticate('carol', 'nope'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await auth.authenticate('carol', 'nope'), { ok: false, reason: 'invalid' });
    assert.equal(state.verifies, 1);
    assert.equal((await auth.authenticate('carol', 'carol-pw')).ok, true, 'the right password still gets through');
  });

  it('rate limits failures per user and client address, and logs it once without the password', async () => {
    const logs = memoryLoggerFactory();
    const { store } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs, maxFailures: 3, failureWindowMs: 600, negativeTtlMs: 0 });
    for (const pw of ['guess-1', 'guess-2', 'guess-3']) assert.equal((await auth.authenticate('carol', pw, '10.0.0.9')).ok, false);
    assert.deepEqual(await auth.authenticate('carol', 'carol-pw', '10.0.0.9'), { ok: false, reason: 'rate-limited' });
    assert.equal((await auth.authenticate('carol', 'carol-pw', '10.0.0.7')).ok, true, 'another address is not affected');
    const lines = logs.lines.filter((l) => l.message.includes('MI_AUTH_002'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /carol/);
    assert.ok(!logs.lines.some((l) => /guess-|carol-pw/.test(l.message)));
    await new Promise((r) => setTimeout(r, 620));
    assert.equal((await auth.authenticate('carol', 'carol-pw', '10.0.0.9')).ok, true, 'the window passes');
  });

  it('limits failures per client address whatever the user names, even for the right password; a success does not reset it', async () => {
    const logs = memoryLoggerFactory();
    const { store, state } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs, maxAddressFailures: 4, failureWindowMs: 600, negativeTtlMs: 0, cacheTtlMs: 0 });
    for (const name of ['u1', 'u2']) assert.deepEqual(await auth.authenticate(name, 'guess', '10.0.0.9'), { ok: false, reason: 'invalid' });
    assert.equal((await auth.authenticate('carol', 'carol-pw', '10.0.0.9')).ok, true, 'a success in between...');
    assert.equal(auth.recordFailure('u3', '10.0.0.9'), 'invalid', 'a wrong digest counts too');
    assert.equal(auth.recordFailure('u4', '10.0.0.9'), 'rate-limited', '...does not wipe the count');
    const verifies = state.verifies;
    const limited = await auth.authenticate('carol', 'carol-pw', '10.0.0.9');
    assert.deepEqual(limited, { ok: false, reason: 'rate-limited', error: Errors.AUTH_ADDRESS_RATE_LIMITED, retryAfterSeconds: 1 });
    assert.deepEqual(auth.cached('u5', 'guess', '10.0.0.9'), limited, 'refused before any cache or store');
    assert.equal(state.verifies, verifies, 'no verification spent on a limited address');
    assert.equal((await auth.authenticate('carol', 'carol-pw', '10.0.0.7')).ok, true, 'another address is not affected');
    assert.equal((await auth.authenticate('carol', 'carol-pw')).ok, true, 'an in-process caller has no address to limit');
    const lines = logs.lines.filter((l) => l.message.includes('MI_AUTH_003'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /4 failed logins from 10\.0\.0\.9/);
    await new Promise((r) => setTimeout(r, 620));
    assert.equal((await auth.authenticate('carol', 'carol-pw', '10.0.0.9')).ok, true, 'the window passes');
  });

  it('counts an IPv6 client as its /64 and an IPv4-mapped one as the IPv4 address', async () => {
    const { store } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs: memoryLoggerFactory(), maxAddressFailures: 2, negativeTtlMs: 0 });
    assert.equal(auth.recordFailure('u1', '2001:db8:0:7::1'), 'invalid');
    assert.equal(auth.recordFailure('u2', '2001:0db8:0000:0007:ffff:1:2:3'), 'rate-limited', 'another address of the same /64');
    assert.equal((await auth.authenticate('carol', 'carol-pw', '2001:db8:0:8::1')).ok, true, 'the next /64 is another client');
    assert.equal(auth.recordFailure('u1', '192.0.2.1'), 'invalid');
    assert.equal(auth.recordFailure('u2', '::ffff:192.0.2.1'), 'rate-limited');
  });

  it('counts failures checked elsewhere (a wrong PasswordDigest) against the same limit, without asking a store', async () => {
    const { store, state } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs: memoryLoggerFactory(), maxFailures: 2 });
    assert.equal(auth.recordFailure('carol', '10.0.0.9'), 'invalid');
    assert.equal(auth.recordFailure('Carol', '10.0.0.9'), 'rate-limited');
    assert.deepEqual(await auth.authenticate('carol', 'carol-pw', '10.0.0.9'), { ok: false, reason: 'rate-limited' });
    assert.equal(state.verifies, 0);
  });

  it('fails closed when a store cannot be reached, logging the cause once per outage', async () => {
    const logs = memoryLoggerFactory();
    const { store, state } = countingStore({ carol: { password: 'carol-pw', roles: [] } });
    const auth = new AuthenticationService([store], { logs });
    state.down = true;
    assert.deepEqual(await auth.authenticate('carol', 'carol-pw'), { ok: false, reason: 'unavailable' });
    assert.deepEqual(await auth.authenticate('carol', 'carol-pw'), { ok: false, reason: 'unavailable' });
    const lines = logs.lines.filter((l) => l.message.includes('MI_AUTH_001'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /ECONNREFUSED/);
    state.down = false;
    assert.equal((await auth.authenticate('carol', 'carol-pw')).ok, true);
  });

  it('checks file users first and falls through to the next store; lists users once', async () => {
    const file = new FileUserStore([{ name: 'Alice', password: 'alice-pw', isAdmin: true }]);
    const { store } = countingStore({ carol: { password: 'carol-pw', roles: ['ops'] }, alice: { password: 'db-pw', roles: [] } });
    const auth = new AuthenticationService([file, store], { logs: memoryLoggerFactory() });
    assert.deepEqual(await auth.authenticate('alice', 'alice-pw'), { ok: true, user: { name: 'Alice', roles: ['admin'], isAdmin: true } });
    assert.equal((await auth.authenticate('carol', 'carol-pw')).ok, true);
    assert.deepEqual((await auth.users()).map((u) => u.name), ['Alice', 'carol']);
    assert.equal(auth.knownPassword('ALICE'), 'alice-pw');
    assert.equal(auth.knownPassword('carol'), undefined);
    assert.equal(auth.writable, undefined);
  });
});
