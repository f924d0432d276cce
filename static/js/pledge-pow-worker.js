// Solves one proof-of-work challenge for pledge-pow.js, in a Web Worker so that the page stays
// responsive however long it takes: find a nonce so that SHA-256(salt + nonce) starts with
// `difficulty` zero bits, post it back, and wait to be ended.
"use strict";

var encoder = new TextEncoder();
// Hashes in flight at once: Web Crypto is asynchronous, so batching hides its per-call cost.
var BATCH = 64;

function zeroBits(bytes) {
  var bits = 0;
  for (var i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) { bits += 8; continue; }
    return bits + Math.clz32(bytes[i]) - 24;
  }
  return bits;
}

function solve(salt, difficulty) {
  var start = 0;
  function batch() {
    var digests = [];
    for (var i = 0; i < BATCH; i++) {
      digests.push(self.crypto.subtle.digest("SHA-256", encoder.encode(salt + (start + i))));
    }
    return Promise.all(digests).then(function (results) {
      for (var i = 0; i < results.length; i++) {
        if (zeroBits(new Uint8Array(results[i])) >= difficulty) { return start + i; }
      }
      start += BATCH;
      return batch();
    });
  }
  return batch();
}

self.onmessage = function (event) {
  if (!self.crypto || !self.crypto.subtle) {
    // Web Crypto needs HTTPS (or localhost): the form is then sent without a solution.
    self.postMessage({ nonce: null });
    return;
  }
  solve(String(event.data.salt), Number(event.data.difficulty)).then(function (nonce) {
    self.postMessage({ nonce: nonce });
  }, function () {
    self.postMessage({ nonce: null });
  });
};
