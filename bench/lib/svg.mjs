// Hand-written SVG bar chart of the suite's throughput: one panel per record size and direction
// (produce / consume), a group of bars per client, one bar per broker. No dependencies.
const COLORS = { 'kl-mem': '#1f5fa8', 'kl-file': '#6fa8dc', mock: '#e8833a' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sizeLabel = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function throughputSvg(result, targetInfo) {
  const cases = result.cases ?? [];
  const targets = result.config?.targets ?? Object.keys(targetInfo);
  const clients = [...new Set(cases.map((c) => c.client))];
  const sizes = [...new Set(cases.map((c) => c.size))];
  const panels = [];
  for (const size of sizes) for (const dir of ['produce', 'consume']) panels.push({ size, dir });
  const PW = 380, PH = 230, M = { top: 70, left: 20 }, cols = 2;
  const W = M.left * 2 + cols * PW, H = M.top + Math.ceil(panels.length / cols) * (PH + 30) + 20;
  const o = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  o.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  o.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">Throughput by record size (MB/s, acks -1) — ${esc(result.date ?? '')}, ${result.machine?.cpus ?? '?'} cores</text>`);
  targets.forEach((t, i) => {
    const x = M.left + 10 + i * 220;
    o.push(`<rect x="${x}" y="34" width="12" height="12" fill="${COLORS[t] ?? '#888'}"/><text x="${x + 17}" y="44">${esc(targetInfo[t]?.label ?? t)}</text>`);
  });
  panels.forEach((pn, i) => {
    const px = M.left + (i % cols) * PW, py = M.top + Math.floor(i / cols) * (PH + 30);
    const key = pn.dir === 'produce' ? 'produceMBs' : 'consumeMBs';
    const msgKey = pn.dir === 'produce' ? 'produceMsgs' : 'consumeMsgs';
    const vals = cases.filter((c) => c.size === pn.size).flatMap((c) => targets.map((t) => c.targets[t]?.[key])).filter((v) => typeof v === 'number');
    const max = niceMax(Math.max(0, ...vals));
    const ax = { x: px + 45, y: py + 20, w: PW - 65, h: PH - 55 };
    o.push(`<text x="${px + PW / 2}" y="${py + 10}" text-anchor="middle" font-weight="bold">${pn.dir}, ${sizeLabel(pn.size)} records</text>`);
    for (let k = 0; k <= 4; k++) {
      const y = ax.y + ax.h - (k / 4) * ax.h;
      o.push(`<line x1="${ax.x}" x2="${ax.x + ax.w}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${ax.x - 4}" y="${y + 4}" text-anchor="end" fill="#555">${+(max * k / 4).toFixed(2)}</text>`);
    }
    const gw = ax.w / Math.max(1, clients.length), bw = Math.min(34, (gw - 20) / targets.length);
    clients.forEach((client, ci) => {
      const c = cases.find((x) => x.size === pn.size && x.client === client);
      const gx = ax.x + ci * gw + (gw - bw * targets.length) / 2;
      targets.forEach((t, ti) => {
        const r = c?.targets[t];
        const x = gx + ti * bw;
        const v = r?.[key];
        if (typeof v === 'number') {
          const h = (v / max) * ax.h;
          o.push(`<rect x="${x + 1}" y="${ax.y + ax.h - h}" width="${bw - 2}" height="${h}" fill="${COLORS[t] ?? '#888'}"><title>${esc(`${targetInfo[t]?.label ?? t}, ${client}: ${v.toFixed(2)} MB/s, ${Math.round(r[msgKey])} msg/s`)}</title></rect>`);
          o.push(`<text x="${x + bw / 2}" y="${ax.y + ax.h - h - 3}" text-anchor="middle" font-size="9">${v >= 10 ? v.toFixed(0) : v.toFixed(1)}</text>`);
        } else {
          o.push(`<text x="${x + bw / 2}" y="${ax.y + ax.h - 4}" text-anchor="middle" font-size="9" fill="#999">n/a</text>`);
        }
      });
      o.push(`<text x="${ax.x + ci * gw + gw / 2}" y="${ax.y + ax.h + 15}" text-anchor="middle">${esc(client === 'platformatic' ? '@platformatic/kafka' : client)}</text>`);
    });
    o.push(`<line x1="${ax.x}" x2="${ax.x + ax.w}" y1="${ax.y + ax.h}" y2="${ax.y + ax.h}" stroke="#333"/>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
