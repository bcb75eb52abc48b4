/**
 * A loopback port that never completes a TCP handshake: a listener with a backlog of 0 that
 * never accepts, its one queue slot taken, so the kernel drops further SYNs and a connect
 * can only time out. Made by a python3 child process (Node always accepts).
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

const SCRIPT = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()\n';

export async function startBlackhole(): Promise<{ port: number; close(): void }> {
  const child = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  // Take the single queue slot.
  const filler: Socket = connect({ port, host: '127.0.0.1' });
  filler.on('error', () => {});
  await new Promise<void>((resolve) => filler.once('connect', () => resolve()));
  return {
    port,
    close: () => {
      filler.destroy();
      child.stdin.end();
      child.kill();
    },
  };
}
