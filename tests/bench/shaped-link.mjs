// One slow mobile link between a browser and the server, for the bench.
//
// DevTools network emulation throttles the page's own requests but not the
// service worker's, so a first visit measured with it pays only half of what
// a phone pays. This proxy sits in front of the server at the TCP level and
// makes every connection, the page's and the service worker's alike, share
// one link: each direction sends one chunk at a time at its bandwidth, every
// chunk arrives half a round trip after it was sent, and a new connection
// first pays a full round trip for its handshake.
//
//   const link = await startShapedLink({ target: server.url, rttMs: 300, downKbps: 700, upKbps: 700 });
//   page.goto(link.url); ... link.bytes.down; await link.close();
import net from "node:net";

export async function startShapedLink({ target, rttMs, downKbps, upKbps = downKbps }) {
  const { hostname, port } = new URL(target);
  const bytes = { up: 0, down: 0 };
  // When each direction of the shared link is next free, in ms since the epoch.
  const linkFreeAt = { up: 0, down: 0 };
  const sockets = new Set();

  // Schedules `chunk` over one direction of the link and calls `deliver` when
  // its last bit has arrived at the far end. Order within a direction is
  // kept: arrival times only grow, and Node fires timers due at the same
  // millisecond in the order they were set.
  function send(direction, chunk, deliver) {
    const kbps = direction === "up" ? upKbps : downKbps;
    const now = Date.now();
    const start = Math.max(now, linkFreeAt[direction]);
    // kbps is bits per millisecond.
    const sent = start + (chunk.length * 8) / kbps;
    linkFreeAt[direction] = sent;
    bytes[direction] += chunk.length;
    setTimeout(deliver, Math.max(0, sent + rttMs / 2 - now));
  }

  // Everything scheduled on a direction before `after` has arrived by the
  // time this runs, so an end never overtakes the data before it.
  function afterQueued(direction, action) {
    const now = Date.now();
    setTimeout(action, Math.max(0, linkFreeAt[direction] + rttMs / 2 - now) + 1);
  }

  const server = net.createServer({ noDelay: true }, (client) => {
    sockets.add(client);
    const upstream = net.connect({ host: hostname, port: Number(port), noDelay: true });
    sockets.add(upstream);
    // The handshake costs one round trip before the first byte can leave.
    const handshakeDone = Date.now() + rttMs;
    client.on("data", (chunk) => {
      const wait = Math.max(0, handshakeDone - Date.now());
      const forward = () => send("up", chunk, () => upstream.writable && upstream.write(chunk));
      if (wait > 0) setTimeout(forward, wait);
      else forward();
    });
    upstream.on("data", (chunk) => send("down", chunk, () => client.writable && client.write(chunk)));
    client.on("end", () => afterQueued("up", () => upstream.end()));
    upstream.on("end", () => afterQueued("down", () => client.end()));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    bytes,
    resetBytes() {
      bytes.up = 0;
      bytes.down = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
