"use strict";
(function () {
  // Per-operation request specs from the server: envelope, parameter elements, SOAPAction, URL.
  var specs = JSON.parse(document.getElementById("try-it-data").textContent);

  function xmlText(value) {
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // The XML indented two spaces per level (shown with textContent, so the browser escapes it for HTML).
  function pretty(source) {
    var doc = new DOMParser().parseFromString(source, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return source;
    var lines = [];
    var decl = /^<\?xml[^>]*\?>/.exec(source);
    if (decl) lines.push(decl[0]);
    (function walk(node, depth) {
      var pad = new Array(depth + 1).join("  ");
      if (node.nodeType === 1) {
        var open = "<" + node.nodeName;
        for (var i = 0; i < node.attributes.length; i++) {
          open += " " + node.attributes[i].name + "=\"" + xmlText(node.attributes[i].value) + "\"";
        }
        var kids = Array.prototype.filter.call(node.childNodes, function (k) {
          return !(k.nodeType === 3 && !k.nodeValue.trim());
        });
        if (!kids.length) {
          lines.push(pad + open + "/>");
        } else if (kids.length === 1 && kids[0].nodeType === 3) {
          lines.push(pad + open + ">" + xmlText(kids[0].nodeValue) + "</" + node.nodeName + ">");
        } else {
          lines.push(pad + open + ">");
          kids.forEach(function (k) { walk(k, depth + 1); });
          lines.push(pad + "</" + node.nodeName + ">");
        }
      } else if (node.nodeType === 3) {
        lines.push(pad + xmlText(node.nodeValue.trim()));
      } else if (node.nodeType === 4) {
        lines.push(pad + "<![CDATA[" + node.nodeValue + "]]>");
      } else if (node.nodeType === 8) {
        lines.push(pad + "<!--" + node.nodeValue + "-->");
      }
    })(doc.documentElement, 0);
    return lines.join("\n");
  }

  function buildRequest(spec, form) {
    var body = spec.params.map(function (p, i) {
      var nil = form.elements["p" + i + "-nil"];
      if (nil && nil.checked) return p.nil;
      var value = form.elements["p" + i].value;
      if (p.kind === "dateTime" && /T\d\d:\d\d$/.test(value)) value += ":00";
      return p.open + xmlText(value) + p.close;
    });
    return spec.head + body.join("") + spec.tail;
  }

  function faultString(xml) {
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    var found = doc.getElementsByTagName("faultstring")[0] || doc.getElementsByTagNameNS("*", "Text")[0];
    return found ? found.textContent : null;
  }

  function show(form, cls, status, request, response) {
    var result = form.parentNode.querySelector(".result");
    var line = result.querySelector(".status");
    line.className = "status " + cls;
    line.textContent = status;
    result.querySelector(".req").textContent = pretty(request);
    result.querySelector(".resp").textContent = response === null ? "" : pretty(response);
    result.hidden = false;
  }

  function send(form) {
    var spec = specs[Number(form.getAttribute("data-op"))];
    var request = buildRequest(spec, form);
    var button = form.querySelector("button[type=submit]");
    var started = performance.now();
    button.disabled = true;
    fetch(spec.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": spec.contentType, "SOAPAction": spec.action },
      body: request
    }).then(function (response) {
      return response.text().then(function (text) {
        var ms = Math.round(performance.now() - started);
        var status = "HTTP " + response.status + " " + response.statusText + " \u00b7 " + ms + " ms";
        var fault = response.ok ? null : faultString(text);
        if (fault !== null) status += " \u00b7 SOAP fault: " + fault;
        show(form, response.ok ? "ok" : "fault", status, request, text);
      });
    }).catch(function (error) {
      show(form, "fault", "Request failed: " + error, request, null);
    }).then(function () {
      button.disabled = false;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.try-form"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
    Array.prototype.forEach.call(form.querySelectorAll("input[data-for]"), function (box) {
      box.addEventListener("change", function () {
        form.elements[box.getAttribute("data-for")].disabled = box.checked;
      });
    });
  });
})();
