/**
 * The admin section: the admin API and dashboard listener, its users (bearer tokens stored as
 * hashes, with `full` or `readonly` access, as PythonDirector had), optional TLS, write-back of
 * runtime changes to the config file, and the optional SSH console.
 */
import { z } from 'zod';
import { parseEndpoint } from '../core/address.js';

const TOKEN_HASH_RE = /^sha256:[0-9a-f]{64}$/;

const AdminBind = z
  .string()
  .superRefine((v, ctx) => {
    const r = parseEndpoint(v, { allowWildcard: true, allowZero: true });
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason, input: v });
  })
  .meta({ description: 'Address of the admin listener ("host:port"). Loopback unless users are set.', examples: ['127.0.0.1:9000'] });

export const AdminUserSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, { message: 'must be 1–64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit' })
      .meta({ description: 'The user\'s name, shown in logs.', examples: ['ops'] }),
    access: z.enum(['full', 'readonly']).meta({ description: '`full` may change the running balancer; `readonly` may only look.', examples: ['readonly'] }),
    tokenHash: z
      .string()
      .regex(TOKEN_HASH_RE, { message: 'must be "sha256:" and 64 lower-case hex digits; make one with `switchyard token`' })
      .optional()
      .meta({ description: 'SHA-256 of the user\'s bearer token, as `switchyard token` prints it. The token itself is never stored.', examples: ['sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'] }),
    sshKeys: z
      .array(z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, { message: 'must be one line of an authorized_keys file: "ssh-ed25519 AAAA… comment"' }))
      .default([])
      .meta({ description: 'Public keys that log this user in to the SSH console.', examples: [['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5 ops@laptop']] }),
  })
  .meta({ description: 'An admin user.', examples: [{ name: 'ops', access: 'full', tokenHash: 'sha256:…' }] });

export const AdminSchema = z
  .strictObject({
    bind: AdminBind.default('127.0.0.1:9000'),
    users: z
      .array(AdminUserSchema)
      .default([])
      .meta({ description: 'Who may use the admin API. With none, the API is open to anyone who can reach it, so it must bind a loopback address.', examples: [[{ name: 'ops', access: 'full', tokenHash: 'sha256:…' }]] }),
    tls: z
      .strictObject({
        cert: z.string().min(1).meta({ description: 'PEM certificate chain file.', examples: ['/etc/switchyard/admin.crt'] }),
        key: z.string().min(1).meta({ description: 'PEM private key file.', examples: ['/etc/switchyard/admin.key'] }),
      })
      .optional()
      .meta({ description: 'Serve the admin API and dashboard over HTTPS.' }),
    persist: z
      .boolean()
      .default(false)
      .meta({ description: 'Write every runtime change back to the config file (atomically, keeping comments, with a .bak of the previous file).', examples: [true] }),
    ssh: z
      .strictObject({
        bind: AdminBind.meta({ description: 'Address of the SSH console.', examples: ['127.0.0.1:2222'] }),
        hostKey: z.string().min(1).meta({ description: 'The SSH host private key file (PEM or OpenSSH format).', examples: ['/etc/switchyard/ssh_host_ed25519_key'] }),
      })
      .optional()
      .meta({ description: 'An SSH console with the admin operations, for users with `sshKeys`.' }),
  })
  .meta({ description: 'The admin API, dashboard and console. Off unless this section is present.', examples: [{ bind: '127.0.0.1:9000', persist: true }] });
