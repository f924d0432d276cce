// Proof of work for the pledge form (see core/abuse.py). The page is cached for everyone, so
// a fresh challenge is fetched from our own server on load and solved in a Web Worker
// (pledge-pow-worker.js, named by the form's data-pow-worker), so the page never stalls while
// it works. Without this script, without Workers, or without Web Crypto (which needs HTTPS or
// localhost) the form still works; the server only counts such submissions more heavily
// against its rate limit.
(function () {
  "use strict";
  if (!window.fetch || !window.Worker || !window.crypto || !window.crypto.subtle) {
    return;
  }

  // Resolves with the nonce, or rejects if the worker cannot run (blocked, or no Web Crypto).
  function solveInWorker(workerUrl, salt, difficulty) {
    return new Promise(function (resolve, reject) {
      var worker = new Worker(workerUrl);
      worker.onmessage = function (event) {
        worker.terminate();
        if (event.data && typeof event.data.nonce === "number") {
          resolve(event.data.nonce);
        } else {
          reject(new Error("not solved"));
        }
      };
      worker.onerror = function (event) {
        event.preventDefault();
        worker.terminate();
        reject(new Error("no worker"));
      };
      worker.postMessage({ salt: salt, difficulty: difficulty });
    });
  }

  function prepare(form) {
    var challengeInput = form.querySelector("input[name='pow_challenge']");
    var nonceInput = form.querySelector("input[name='pow_nonce']");
    var workerUrl = form.getAttribute("data-pow-worker");
    // The form may be on the page twice (a page and a block), and so may this script.
    if (!challengeInput || !nonceInput || !workerUrl || form.hasAttribute("data-pow-started")) {
      return;
    }
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
        return solveInWorker(workerUrl, challenge.salt, challenge.difficulty).then(function (nonce) {
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
