// Proof of work for the pledge form (see pledges/abuse.py). The page is cached for everyone, so
// a fresh challenge is fetched from our own server on load and solved in the background: find a
// nonce so that SHA-256(salt + nonce) starts with `difficulty` zero bits. Without this script
// (or Web Crypto, which needs HTTPS or localhost) the form still works; the server only counts
// such submissions more heavily against its rate limit.
(function () {
  "use strict";
  if (!window.fetch || !window.TextEncoder || !window.crypto || !window.crypto.subtle) {
    return;
  }
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
        digests.push(window.crypto.subtle.digest("SHA-256", encoder.encode(salt + (start + i))));
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

  function prepare(form) {
    var challengeInput = form.querySelector("input[name='pow_challenge']");
    var nonceInput = form.querySelector("input[name='pow_nonce']");
    // The form may be on the page twice (a page and a block), and so may this script.
    if (!challengeInput || !nonceInput || form.hasAttribute("data-pow-started")) { return; }
    form.setAttribute("data-pow-started", "");

    function refresh() {
      // A used or stale solution is worth nothing; clear it until the new one is ready.
      challengeInput.value = "";
      nonceInput.value = "";
      window.fetch(form.getAttribute("data-pow-url"), {
        credentials: "omit",
        cache: "no-store",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("no challenge"); }
        return response.json();
      }).then(function (challenge) {
        return solve(challenge.salt, challenge.difficulty).then(function (nonce) {
          challengeInput.value = challenge.challenge;
          nonceInput.value = String(nonce);
          // The page may stay open a long time: solve a new challenge before this one expires.
          window.setTimeout(refresh, Math.max(challenge.expires_in - 60, 30) * 1000);
        });
      }).catch(function () {
        // Nothing to tell the visitor: the form still works without a solution.
      });
    }

    refresh();
  }

  var forms = document.querySelectorAll("form[data-pow-url]");
  for (var i = 0; i < forms.length; i++) { prepare(forms[i]); }
})();
