// Node.js (libuv) clients for the epoll tests: one result line each.
//   connect PORT [OWN_MS]  net.connect to PORT (own: socket.setTimeout)
//   http PORT [OWN_MS]     http.get from PORT (own: request.setTimeout)
// Result: "error CODE ms=T" or "ok ..." (ms: since the call).
'use strict';
const net = require('net');
const http = require('http');

const [mode, portArg, ownArg] = process.argv.slice(2);
const port = Number(portArg);
const own = ownArg ? Number(ownArg) : 0;
const start = process.hrtime.bigint();
const ms = () => Number((process.hrtime.bigint() - start) / 1000000n);
let done = false;
function result(line) {
  if (done) return;
  done = true;
  console.log(line);
  process.exit(0);
}

if (mode === 'connect') {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.on('connect', () => result('ok connected'));
  sock.on('error', (err) => result(`error ${err.code} ms=${ms()}`));
  if (own) sock.setTimeout(own, () => result(`error OWN_TIMEOUT ms=${ms()}`));
} else if (mode === 'http') {
  const req = http.get({ port, host: '127.0.0.1', path: '/' }, (res) => result(`ok ${res.statusCode}`));
  req.on('error', (err) => result(`error ${err.code} ms=${ms()}`));
  if (own) req.setTimeout(own, () => result(`error OWN_TIMEOUT ms=${ms()}`));
} else {
  console.error(`node_client.js: unknown mode "${mode}"`);
  process.exit(2);
}
