import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { allowed, createAuthenticator, newToken, tokenSha256 } from '../../src/admin/auth.js';
import { AdminUserSchema } from '../../src/config/schema-admin.js';
import type { AdminUserSpec } from '../../src/config/model.js';
import { runCli } from '../helpers/cli.js';

const users: AdminUserSpec[] = [
  { name: 'ops', access: 'full', tokenSha256: tokenSha256('t-ops'), sshKeys: [] },
  { name: 'viewer', access: 'readonly', tokenSha256: tokenSha256('t-viewer'), sshKeys: [] },
  { name: 'keys-only', access: 'full', tokenSha256: undefined, sshKeys: ['ssh-ed25519 AAAA x'] },
];

void describe('bearer tokens', () => {
  void test('the user whose stored hash is the token\'s SHA-256 is the one found', () => {
    const auth = createAuthenticator(users);
    assert.deepEqual(auth.check('Bearer t-viewer'), { ok: true, user: { name: 'viewer', access: 'readonly' } });
    assert.deepEqual(auth.check('bearer t-ops'), { ok: true, user: { name: 'ops', access: 'full' } });
  });

  void test('a token that matches no user is invalid', () => {
    assert.deepEqual(createAuthenticator(users).check('Bearer t-nobody'), { ok: false, reason: 'invalid' });
  });

  void test('no header, an empty token or another scheme counts as no token', () => {
    const auth = createAuthenticator(users);
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic b3BzOnQtb3Bz']) assert.deepEqual(auth.check(header), { ok: false, reason: 'missing' }, String(header));
  });

  void test('a user without a tokenHash can never log in with a token', () => {
    const auth = createAuthenticator([users[2] as AdminUserSpec]);
    assert.equal(auth.open, false);
    for (const token of ['x', 'AAAA', '0'.repeat(64)]) assert.equal(auth.check(`Bearer ${token}`).ok, false);
  });

  void test('with no users configured the API is open with full access', () => {
    const auth = createAuthenticator([]);
    assert.equal(auth.open, true);
    assert.deepEqual(auth.check(undefined), { ok: true, user: { name: 'anonymous', access: 'full' } });
  });

  void test('a readonly user may run readonly commands only', () => {
    assert.equal(allowed({ name: 'v', access: 'readonly' }, 'readonly'), true);
    assert.equal(allowed({ name: 'v', access: 'readonly' }, 'full'), false);
    assert.equal(allowed({ name: 'o', access: 'full' }, 'full'), true);
  });

  void test('a new token is 32 random bytes in base64url that never starts with "-"', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken();
      assert.match(t, /^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
      assert.equal(Buffer.from(t, 'base64url').length, 32);
      seen.add(t);
    }
    assert.equal(seen.size, 200);
  });
});

void describe('switchyard token', () => {
  void test('prints a token once and a user entry whose tokenHash is the token\'s SHA-256', async () => {
    const r = await runCli(['token', '--name', 'ci-bot', '--access', 'readonly']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shown once/);
    const token = /^ {2}([A-Za-z0-9_-]{43})$/m.exec(r.stdout)?.[1];
    assert.ok(token !== undefined, r.stdout);
    const entry = /^ {2}- name:[\s\S]*?tokenHash: .*$/m.exec(r.stdout)?.[0] ?? '';
    const [user] = parse(entry) as unknown[];
    const parsed = AdminUserSchema.parse(user);
    assert.equal(parsed.name, 'ci-bot');
    assert.equal(parsed.access, 'readonly');
    assert.equal(parsed.tokenHash, `sha256:${createHash('sha256').update(token).digest('hex')}`);
  });

  void test('an unknown access level is a usage error (exit 2)', async () => {
    const r = await runCli(['token', '--access', 'admin']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--access must be full or readonly, got "admin"/);
  });
});
