// Preloaded (`node -r`) into the unmodified reference script tfjs_dcgan.js by scripts/bench/speed.ts:
// adds the process CPU time per step to its JSON line, measured over the same window as its
// wall time (between its first and second call of performance.now()), so CPU-time ratios can be
// compared on a busy machine where wall-clock ratios are noise.
'use strict';
const now = performance.now.bind(performance);
let calls = 0, cpu0 = null, cpuMs = null;
performance.now = () => {
  calls++;
  if (calls === 1) cpu0 = process.cpuUsage();
  else if (calls === 2 && cpu0) { const c = process.cpuUsage(cpu0); cpuMs = (c.user + c.system) / 1000; }
  return now();
};
const log = console.log.bind(console);
console.log = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('{') && cpuMs != null) {
    try {
      const j = JSON.parse(args[0]);
      const steps = Number(process.argv[3] || 20);
      j.cpuMsPerStep = +(cpuMs / steps).toFixed(2);
      return log(JSON.stringify(j));
    } catch { /* fall through */ }
  }
  return log(...args);
};
