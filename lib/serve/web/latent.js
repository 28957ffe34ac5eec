// Seeded latent sampling for the browser: the same algorithm as lib/serve/latent.ts
// (mulberry32 + Box-Muller, truncation by redrawing), so a seed gives the server's z exactly.
(function (root) {
  'use strict';
  var MAX_REDRAWS = 64;
  function mulberry32(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) | 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function normalStream(seed) {
    var uniform = mulberry32(seed);
    var spare = null;
    return function () {
      if (spare !== null) { var s = spare; spare = null; return s; }
      var u1 = 1 - uniform();
      var u2 = uniform();
      var r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    };
  }
  function sampleLatent(seed, count, dim, truncation) {
    var next = normalStream(seed);
    var out = new Float32Array(count * dim);
    for (var i = 0; i < out.length; i++) {
      var v = next();
      if (truncation !== undefined && truncation !== null) {
        for (var k = 0; k < MAX_REDRAWS && Math.abs(v) > truncation; k++) v = next();
        if (Math.abs(v) > truncation) v = Math.sign(v) * truncation;
      }
      out[i] = v;
    }
    return out;
  }
  var api = { mulberry32: mulberry32, normalStream: normalStream, sampleLatent: sampleLatent, MAX_REDRAWS: MAX_REDRAWS };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.ganbookLatent = api;
})(typeof self !== 'undefined' ? self : this);
